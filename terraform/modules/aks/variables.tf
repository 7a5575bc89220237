variable "name_prefix" {
  description = "Prefix for every resource name."
  type        = string
}

variable "location" {
  description = "Azure region of the cluster."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the cluster."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version (e.g. \"1.34\"); null lets AKS pick its default."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^1\\.[0-9]+(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.34 or 1.34.2."
  }
}

variable "sku_tier" {
  description = "Control plane tier: Free, Standard (uptime SLA) or Premium."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "subnet_id" {
  description = "Subnet for the nodes; it must already route 0.0.0.0/0 to the firewall."
  type        = string
}

variable "node_vm_size" {
  description = "VM size of the system node pool."
  type        = string
  default     = "Standard_D4ds_v5"
}

variable "node_count_min" {
  description = "Minimum number of nodes the autoscaler keeps."
  type        = number
  default     = 2

  validation {
    condition     = var.node_count_min >= 1
    error_message = "node_count_min must be at least 1."
  }
}

variable "node_count_max" {
  description = "Maximum number of nodes the autoscaler may add."
  type        = number
  default     = 5
}

variable "zones" {
  description = "Availability zones for the nodes."
  type        = list(string)
  default     = ["1", "2", "3"]
}

variable "pod_cidr" {
  description = "Overlay range for pod IPs; must not overlap the VNet or anything peered."
  type        = string
  default     = "10.244.0.0/16"

  validation {
    condition     = can(cidrhost(var.pod_cidr, 0))
    error_message = "pod_cidr must be a CIDR block."
  }
}

variable "service_cidr" {
  description = "Range for Kubernetes service IPs."
  type        = string
  default     = "10.245.0.0/16"

  validation {
    condition     = can(cidrhost(var.service_cidr, 10))
    error_message = "service_cidr must be a CIDR block with room for the DNS service IP."
  }
}

variable "admin_group_object_ids" {
  description = "Entra ID groups that get cluster-admin through Azure RBAC."
  type        = list(string)
  default     = []
}

variable "api_server_authorized_ip_ranges" {
  description = "Public ranges allowed to reach the API server; empty means unrestricted."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
