output "postgresql_server_id" {
  description = "ID of the PostgreSQL flexible server."
  value       = azurerm_postgresql_flexible_server.this.id
}

output "postgresql_fqdn" {
  description = "Private FQDN of the PostgreSQL server."
  value       = azurerm_postgresql_flexible_server.this.fqdn
}

output "mysql_server_id" {
  description = "ID of the MySQL flexible server."
  value       = azurerm_mysql_flexible_server.this.id
}

output "mysql_fqdn" {
  description = "Private FQDN of the MySQL server."
  value       = azurerm_mysql_flexible_server.this.fqdn
}

output "mysql_admin_password_secret_id" {
  description = "Versionless Key Vault secret ID holding the MySQL administrator password."
  value       = azurerm_key_vault_secret.mysql_admin_password.versionless_id
}
