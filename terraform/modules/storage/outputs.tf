output "storage_account_id" {
  description = "ID of the storage account (scope for Storage Blob Data roles)."
  value       = azurerm_storage_account.this.id
}

output "primary_blob_endpoint" {
  description = "Blob service endpoint."
  value       = azurerm_storage_account.this.primary_blob_endpoint
}

output "container_ids" {
  description = "Blob container IDs by name."
  value       = { for name, c in azurerm_storage_container.this : name => c.id }
}

output "file_share_ids" {
  description = "File share IDs by name."
  value       = { for name, s in azurerm_storage_share.this : name => s.id }
}
