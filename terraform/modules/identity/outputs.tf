output "workload_identity_client_ids" {
  description = "Client IDs by workload name, for the azure.workload.identity/client-id service account annotation."
  value       = { for name, id in azurerm_user_assigned_identity.workload : name => id.client_id }
}

output "workload_identity_ids" {
  description = "Resource IDs of the workload identities by name."
  value       = { for name, id in azurerm_user_assigned_identity.workload : name => id.id }
}

output "workload_identity_principal_ids" {
  description = "Object IDs of the workload identities by name."
  value       = { for name, id in azurerm_user_assigned_identity.workload : name => id.principal_id }
}
