output "vm_id" {
  description = "ID of the virtual machine."
  value       = azurerm_linux_virtual_machine.this.id
}

output "private_ip_address" {
  description = "Private IP of the VM."
  value       = azurerm_network_interface.this.private_ip_address
}

output "data_disk_id" {
  description = "ID of the managed data disk."
  value       = azurerm_managed_disk.data.id
}
