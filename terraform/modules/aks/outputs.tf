output "cluster_id" {
  description = "ID of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "cluster_name" {
  description = "Name of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.name
}

output "oidc_issuer_url" {
  description = "OIDC issuer that workload identity federated credentials must trust."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "kubelet_identity_principal_id" {
  description = "Object ID of the kubelet identity (grant it AcrPull, Key Vault Secrets User)."
  value       = azurerm_user_assigned_identity.kubelet.principal_id
}

output "key_vault_secrets_provider_principal_id" {
  description = "Object ID of the identity the Key Vault CSI driver add-on uses."
  value       = azurerm_kubernetes_cluster.this.key_vault_secrets_provider[0].secret_identity[0].object_id
}

output "node_resource_group" {
  description = "Resource group AKS manages for the nodes."
  value       = azurerm_kubernetes_cluster.this.node_resource_group
}

output "kube_config_raw" {
  description = "Kubeconfig for Entra ID login (kubelogin); holds no static credentials but is treated as secret."
  value       = azurerm_kubernetes_cluster.this.kube_config_raw
  sensitive   = true
}
