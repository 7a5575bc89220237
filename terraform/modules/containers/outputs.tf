output "container_group_id" {
  description = "ID of the container group."
  value       = azurerm_container_group.this.id
}

output "ip_address" {
  description = "Private IP of the container group."
  value       = azurerm_container_group.this.ip_address
}
