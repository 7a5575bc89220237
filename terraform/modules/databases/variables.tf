variable "name_prefix" {
  description = "Prefix for every resource name (server names must be globally unique)."
  type        = string
}

variable "location" {
  description = "Azure region of the servers."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the servers."
  type        = string
}

variable "virtual_network_id" {
  description = "VNet the private DNS zones are linked to."
  type        = string
}

variable "postgresql_subnet_id" {
  description = "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers."
  type        = string
}

variable "mysql_subnet_id" {
  description = "Subnet delegated to Microsoft.DBforMySQL/flexibleServers."
  type        = string
}

variable "postgresql" {
  description = "PostgreSQL flexible server settings. Authentication is Entra ID only: no password exists."
  type = object({
    version           = optional(string, "17")
    sku_name          = optional(string, "GP_Standard_D2ds_v5")
    storage_mb        = optional(number, 65536)
    backup_days       = optional(number, 14)
    high_availability = optional(bool, false)
    databases         = optional(set(string), [])
  })
  default = {}

  validation {
    condition     = contains(["14", "15", "16", "17", "18"], var.postgresql.version)
    error_message = "postgresql.version must be 14 to 18."
  }

  validation {
    condition     = var.postgresql.backup_days >= 7 && var.postgresql.backup_days <= 35
    error_message = "postgresql.backup_days must be between 7 and 35."
  }
}

variable "postgresql_admin" {
  description = "Entra ID principal that administers PostgreSQL (a group is best)."
  type = object({
    object_id      = string
    principal_name = string
    principal_type = optional(string, "Group")
  })

  validation {
    condition     = contains(["Group", "ServicePrincipal", "User"], var.postgresql_admin.principal_type)
    error_message = "postgresql_admin.principal_type must be Group, ServicePrincipal or User."
  }
}

variable "mysql" {
  description = "MySQL flexible server settings (the managed MariaDB-compatible option)."
  type = object({
    version        = optional(string, "8.4")
    sku_name       = optional(string, "GP_Standard_D2ds_v4")
    storage_gb     = optional(number, 64)
    backup_days    = optional(number, 14)
    admin_login    = optional(string, "mysqladmin")
    databases      = optional(set(string), [])
    charset        = optional(string, "utf8mb4")
    collation      = optional(string, "utf8mb4_unicode_ci")
    zone           = optional(string, "1")
    password_epoch = optional(number, 1)
  })
  default = {}

  validation {
    condition     = contains(["8.0.21", "8.4"], var.mysql.version)
    error_message = "mysql.version must be 8.0.21 or 8.4."
  }
}

# Write-only + ephemeral: the password reaches Azure and Key Vault but is never stored in a
# plan file or in state. It must be supplied again (TF_VAR_mysql_admin_password) at apply.
variable "mysql_admin_password" {
  description = "MySQL administrator password. Bump mysql.password_epoch to rotate it."
  type        = string
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = length(var.mysql_admin_password) >= 16
    error_message = "mysql_admin_password must be at least 16 characters."
  }
}

variable "key_vault_id" {
  description = "Key Vault where the MySQL administrator password is stored for applications."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
