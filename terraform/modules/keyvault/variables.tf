variable "name" {
  description = "Key Vault name: 3-24 letters, digits and dashes, globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.name))
    error_message = "name must be 3-24 characters: letters, digits and dashes, starting with a letter."
  }
}

variable "location" {
  description = "Azure region of the vault."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the vault."
  type        = string
}

variable "tenant_id" {
  description = "Entra ID tenant the vault trusts."
  type        = string
}

variable "sku_name" {
  description = "standard or premium (HSM-backed keys)."
  type        = string
  default     = "standard"

  validation {
    condition     = contains(["standard", "premium"], var.sku_name)
    error_message = "sku_name must be standard or premium."
  }
}

variable "soft_delete_retention_days" {
  description = "Days a deleted vault or secret can be recovered."
  type        = number
  default     = 90

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90
    error_message = "soft_delete_retention_days must be between 7 and 90."
  }
}

variable "administrator_principal_ids" {
  description = "Object IDs (keyed by a stable label) that manage secrets, e.g. the deploying identity."
  type        = map(string)
  default     = {}
}

variable "allowed_subnet_ids" {
  description = "Subnets allowed through the vault firewall (they need the Microsoft.KeyVault service endpoint)."
  type        = list(string)
  default     = []
}

variable "allowed_ip_ranges" {
  description = "Public IPs or CIDRs allowed through the vault firewall (e.g. the CI runner)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
