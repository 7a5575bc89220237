output "firewall_id" {
  description = "ID of the Azure Firewall."
  value       = azurerm_firewall.this.id
}

output "private_ip_address" {
  description = "Private IP the route table sends egress traffic to."
  value       = azurerm_firewall.this.ip_configuration[0].private_ip_address
}

output "public_ip_address" {
  description = "Public IP that egress traffic leaves from (allow-list it at partners)."
  value       = azurerm_public_ip.this.ip_address
}

output "firewall_policy_id" {
  description = "ID of the firewall policy, for extra rule collection groups."
  value       = azurerm_firewall_policy.this.id
}

output "route_table_id" {
  description = "ID of the egress route table."
  value       = azurerm_route_table.egress.id
  # AKS with outbound_type userDefinedRouting checks the route at creation time.
  depends_on = [azurerm_subnet_route_table_association.egress]
}
