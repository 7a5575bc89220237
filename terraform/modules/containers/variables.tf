variable "name" {
  description = "Name of the container group."
  type        = string
}

variable "location" {
  description = "Azure region of the container group."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the container group."
  type        = string
}

variable "subnet_id" {
  description = "Subnet delegated to Microsoft.ContainerInstance/containerGroups; the group gets a private IP only."
  type        = string
}

variable "containers" {
  description = "Containers of the group, by name. Images should be pinned by tag or digest."
  type = map(object({
    image                 = string
    cpu                   = optional(number, 0.5)
    memory_gb             = optional(number, 1)
    ports                 = optional(list(number), [])
    environment_variables = optional(map(string), {})
    commands              = optional(list(string))
  }))

  validation {
    condition     = length(var.containers) > 0
    error_message = "At least one container is required."
  }

  validation {
    condition     = alltrue([for c in values(var.containers) : !endswith(c.image, ":latest")])
    error_message = "Pin images by version or digest; \":latest\" makes plans meaningless."
  }
}

variable "secure_environment_variables" {
  description = "Secret environment variables by container name, then variable name. Stored in state: prefer Key Vault via the identity."
  type        = map(map(string))
  default     = {}
  sensitive   = true
}

variable "user_assigned_identity_ids" {
  description = "Identities the containers use to reach Azure (e.g. Key Vault, Storage)."
  type        = list(string)
  default     = []
}

variable "restart_policy" {
  description = "Always, OnFailure or Never."
  type        = string
  default     = "Always"

  validation {
    condition     = contains(["Always", "OnFailure", "Never"], var.restart_policy)
    error_message = "restart_policy must be Always, OnFailure or Never."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
