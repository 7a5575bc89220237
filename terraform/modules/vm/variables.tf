variable "name" {
  description = "Name of the virtual machine (also its host name)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.name))
    error_message = "name must be lowercase letters, digits and dashes, starting with a letter (max 63)."
  }
}

variable "location" {
  description = "Azure region of the VM."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the VM."
  type        = string
}

variable "subnet_id" {
  description = "Subnet of the VM's network interface (no public IP is attached)."
  type        = string
}

variable "size" {
  description = "VM size."
  type        = string
  default     = "Standard_B2s"
}

variable "zone" {
  description = "Availability zone of the VM and its data disk (they must match)."
  type        = string
  default     = "1"

  validation {
    condition     = contains(["1", "2", "3"], var.zone)
    error_message = "zone must be \"1\", \"2\" or \"3\"."
  }
}

variable "admin_username" {
  description = "Login name of the administrator account."
  type        = string
  default     = "azureuser"

  validation {
    condition     = !contains(["admin", "administrator", "root"], lower(var.admin_username))
    error_message = "Azure rejects admin, administrator and root as admin_username."
  }
}

variable "admin_ssh_public_key" {
  description = "OpenSSH public key allowed to log in as admin_username (passwords are disabled)."
  type        = string

  validation {
    condition     = can(regex("^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp[0-9]+) ", var.admin_ssh_public_key))
    error_message = "admin_ssh_public_key must be an OpenSSH public key (ssh-ed25519 …, ssh-rsa …)."
  }
}

variable "data_disk_size_gb" {
  description = "Size of the managed data disk in GiB."
  type        = number
  default     = 128

  validation {
    condition     = var.data_disk_size_gb >= 4 && var.data_disk_size_gb <= 32767
    error_message = "data_disk_size_gb must be between 4 and 32767."
  }
}

variable "data_disk_storage_account_type" {
  description = "Storage type of the data disk (zonal, so an LRS type)."
  type        = string
  default     = "Premium_LRS"

  validation {
    condition     = contains(["Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "PremiumV2_LRS"], var.data_disk_storage_account_type)
    error_message = "Unsupported data_disk_storage_account_type."
  }
}

variable "user_assigned_identity_ids" {
  description = "User-assigned identities attached to the VM (e.g. to read Key Vault)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
