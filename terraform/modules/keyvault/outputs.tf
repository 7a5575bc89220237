output "id" {
  description = "ID of the Key Vault (scope for Key Vault roles)."
  value       = azurerm_key_vault.this.id
  # Writers of secrets must wait until the administrators can write.
  depends_on = [azurerm_role_assignment.administrators]
}

output "name" {
  description = "Name of the Key Vault."
  value       = azurerm_key_vault.this.name
}

output "vault_uri" {
  description = "URI applications use to read secrets."
  value       = azurerm_key_vault.this.vault_uri
}
