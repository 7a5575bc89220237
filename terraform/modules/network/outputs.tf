output "virtual_network_id" {
  description = "ID of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "virtual_network_name" {
  description = "Name of the virtual network."
  value       = azurerm_virtual_network.this.name
}

output "subnet_ids" {
  description = "Subnet IDs by logical name."
  value       = { for key, subnet in azurerm_subnet.this : key => subnet.id }
  # Consumers placing resources in a subnet must wait for its security group to be attached.
  depends_on = [azurerm_subnet_network_security_group_association.this]
}

output "subnet_address_prefixes" {
  description = "Subnet address prefixes by logical name."
  value       = { for key, subnet in azurerm_subnet.this : key => subnet.address_prefixes }
}

output "network_security_group_ids" {
  description = "Network security group IDs by subnet logical name."
  value       = { for key, nsg in azurerm_network_security_group.this : key => nsg.id }
}
