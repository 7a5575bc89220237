variable "project" {
  description = "Short project name used in resource names."
  type        = string
  default     = "opsbot"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "project must be 2-12 lowercase letters and digits, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "name_suffix" {
  description = "Short suffix that makes globally unique names (storage account, Key Vault, servers) unique."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[a-z0-9]{0,4}$", var.name_suffix))
    error_message = "name_suffix must be at most 4 lowercase letters or digits."
  }
}

variable "location" {
  description = "Azure region for every resource."
  type        = string
  default     = "westeurope"
}

variable "tags" {
  description = "Extra tags for every resource (environment and managed-by are always added)."
  type        = map(string)
  default     = {}
}

variable "address_space" {
  description = "VNet address space; subnets are carved out of its first /16."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrsubnet(var.address_space, 8, 8))
    error_message = "address_space must be a CIDR block of /16 or larger."
  }
}

variable "admin_ip_ranges" {
  description = "Public CIDRs of operators and CI, allowed to reach the AKS API, Key Vault and Storage."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.admin_ip_ranges : can(cidrhost(cidr, 0))])
    error_message = "admin_ip_ranges must be CIDR blocks."
  }
}

variable "aks" {
  description = "AKS cluster settings."
  type = object({
    kubernetes_version     = optional(string)
    sku_tier               = optional(string, "Standard")
    node_vm_size           = optional(string, "Standard_D4ds_v5")
    node_count_min         = optional(number, 2)
    node_count_max         = optional(number, 5)
    admin_group_object_ids = optional(list(string), [])
  })
  default = {}
}

variable "vm" {
  description = "Linux VM settings. The SSH public key is not a secret; the private key never comes here."
  type = object({
    size                 = optional(string, "Standard_B2s")
    admin_username       = optional(string, "azureuser")
    admin_ssh_public_key = string
    data_disk_size_gb    = optional(number, 128)
  })
}

variable "containers" {
  description = "Containers of the VNet-injected container group, by name."
  type = map(object({
    image                 = string
    cpu                   = optional(number, 0.5)
    memory_gb             = optional(number, 1)
    ports                 = optional(list(number), [])
    environment_variables = optional(map(string), {})
  }))
}

variable "postgresql_admin" {
  description = "Entra ID principal (group recommended) that administers PostgreSQL."
  type = object({
    object_id      = string
    principal_name = string
    principal_type = optional(string, "Group")
  })
}

variable "postgresql_databases" {
  description = "PostgreSQL databases to create."
  type        = set(string)
  default     = []
}

variable "mysql_databases" {
  description = "MySQL (MariaDB-compatible) databases to create."
  type        = set(string)
  default     = []
}

variable "mysql_password_epoch" {
  description = "Increment to push a new mysql_admin_password to the server and Key Vault."
  type        = number
  default     = 1
}

variable "mysql_admin_password" {
  description = "MySQL administrator password: pass it as TF_VAR_mysql_admin_password at plan AND apply; it is never stored in plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "blob_containers" {
  description = "Private blob containers in the storage account."
  type        = set(string)
  default     = ["backups", "artifacts"]
}

variable "file_shares" {
  description = "File shares in the storage account, with quotas in GiB."
  type = map(object({
    quota_gb    = number
    access_tier = optional(string, "TransactionOptimized")
  }))
  default = {
    shared = { quota_gb = 100 }
  }
}

variable "workload_identities" {
  description = "Kubernetes service accounts that get an Azure identity, and the roles it holds (scopes: keyvault, storage)."
  type = map(object({
    namespace       = string
    service_account = string
    roles           = optional(map(list(string)), {})
  }))
  default = {
    opsbot = {
      namespace       = "opsbot"
      service_account = "opsbot"
      roles           = { "Key Vault Secrets User" = ["keyvault"] }
    }
  }
}
