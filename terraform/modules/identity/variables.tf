variable "name_prefix" {
  description = "Prefix for identity names."
  type        = string
}

variable "location" {
  description = "Azure region of the identities."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the identities."
  type        = string
}

variable "oidc_issuer_url" {
  description = "OIDC issuer of the AKS cluster whose service accounts are trusted."
  type        = string
}

variable "workload_identities" {
  description = <<-EOT
    Identities for Kubernetes workloads, by name. Each trusts one service account
    (`namespace`/`service_account`) and gets `roles`: role definition name => list of scopes
    keys from `scopes` (e.g. { "Key Vault Secrets User" = ["keyvault"] }).
  EOT
  type = map(object({
    namespace       = string
    service_account = string
    roles           = optional(map(list(string)), {})
  }))
  default = {}

  validation {
    condition = alltrue([
      for w in values(var.workload_identities) :
      can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", w.namespace)) && can(regex("^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$", w.service_account))
    ])
    error_message = "namespace and service_account must be valid Kubernetes names."
  }
}

variable "scopes" {
  description = "Azure resource IDs that roles may be granted on, by a short key (e.g. keyvault, storage)."
  type        = map(string)
}

variable "principal_role_assignments" {
  description = "Role assignments for existing principals (e.g. the kubelet identity), keyed by a stable label."
  type = map(object({
    principal_id         = string
    role_definition_name = string
    scope_key            = string
  }))
  default = {}
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
