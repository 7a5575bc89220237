output "resource_group_name" {
  description = "Resource group holding everything."
  value       = azurerm_resource_group.this.name
}

output "aks_cluster_name" {
  description = "AKS cluster name (az aks get-credentials -n …)."
  value       = module.aks.cluster_name
}

output "aks_oidc_issuer_url" {
  description = "OIDC issuer of the cluster."
  value       = module.aks.oidc_issuer_url
}

output "kube_config_raw" {
  description = "Kubeconfig for Entra ID login."
  value       = module.aks.kube_config_raw
  sensitive   = true
}

output "firewall_public_ip" {
  description = "Egress IP of every workload."
  value       = module.firewall.public_ip_address
}

output "vm_private_ip" {
  description = "Private IP of the Linux VM."
  value       = module.vm.private_ip_address
}

output "container_group_ip" {
  description = "Private IP of the container group."
  value       = module.containers.ip_address
}

output "postgresql_fqdn" {
  description = "Private FQDN of the PostgreSQL server."
  value       = module.databases.postgresql_fqdn
}

output "mysql_fqdn" {
  description = "Private FQDN of the MySQL server."
  value       = module.databases.mysql_fqdn
}

output "mysql_admin_password_secret_id" {
  description = "Key Vault secret holding the MySQL administrator password."
  value       = module.databases.mysql_admin_password_secret_id
}

output "key_vault_uri" {
  description = "Key Vault URI."
  value       = module.keyvault.vault_uri
}

output "storage_blob_endpoint" {
  description = "Blob endpoint of the storage account."
  value       = module.storage.primary_blob_endpoint
}

output "workload_identity_client_ids" {
  description = "Client IDs to annotate service accounts with (azure.workload.identity/client-id)."
  value       = module.identity.workload_identity_client_ids
}
