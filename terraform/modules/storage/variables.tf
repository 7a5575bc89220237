variable "name" {
  description = "Storage account name: 3-24 lowercase letters and digits, globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.name))
    error_message = "name must be 3-24 lowercase letters and digits."
  }
}

variable "location" {
  description = "Azure region of the account."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the account."
  type        = string
}

variable "replication_type" {
  description = "Replication: LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS."
  type        = string
  default     = "ZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.replication_type)
    error_message = "replication_type must be LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS."
  }
}

variable "blob_containers" {
  description = "Private blob containers to create."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.blob_containers : can(regex("^[a-z0-9](-?[a-z0-9])*$", c)) && length(c) >= 3 && length(c) <= 63])
    error_message = "Container names must be 3-63 lowercase letters, digits and single dashes."
  }
}

variable "file_shares" {
  description = "SMB file shares by name, with their quota in GiB."
  type = map(object({
    quota_gb    = number
    access_tier = optional(string, "TransactionOptimized")
  }))
  default = {}

  validation {
    condition     = alltrue([for s in values(var.file_shares) : s.quota_gb >= 1 && s.quota_gb <= 102400])
    error_message = "File share quota_gb must be between 1 and 102400."
  }
}

variable "allowed_subnet_ids" {
  description = "Subnets allowed through the account firewall (they need the Microsoft.Storage service endpoint)."
  type        = list(string)
  default     = []
}

variable "allowed_ip_ranges" {
  description = "Public IPs or CIDRs allowed through the account firewall (e.g. the CI runner)."
  type        = list(string)
  default     = []
}

variable "blob_soft_delete_days" {
  description = "Days deleted blobs and containers can be restored."
  type        = number
  default     = 14

  validation {
    condition     = var.blob_soft_delete_days >= 1 && var.blob_soft_delete_days <= 365
    error_message = "blob_soft_delete_days must be between 1 and 365."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
