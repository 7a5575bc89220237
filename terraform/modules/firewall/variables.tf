variable "name_prefix" {
  description = "Prefix for every resource name."
  type        = string
}

variable "location" {
  description = "Azure region of the firewall."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the firewall."
  type        = string
}

variable "subnet_id" {
  description = "ID of the subnet named exactly \"AzureFirewallSubnet\" (at least /26)."
  type        = string

  validation {
    condition     = endswith(var.subnet_id, "/subnets/AzureFirewallSubnet")
    error_message = "Azure Firewall must be placed in a subnet named AzureFirewallSubnet."
  }
}

variable "sku_tier" {
  description = "Firewall tier: Basic, Standard or Premium."
  type        = string
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Basic, Standard or Premium."
  }
}

variable "zones" {
  description = "Availability zones for the firewall and its public IP."
  type        = list(string)
  default     = ["1", "2", "3"]
}

variable "threat_intelligence_mode" {
  description = "What the firewall does with traffic to known-malicious addresses: Off, Alert or Deny."
  type        = string
  default     = "Deny"

  validation {
    condition     = contains(["Off", "Alert", "Deny"], var.threat_intelligence_mode)
    error_message = "threat_intelligence_mode must be Off, Alert or Deny."
  }
}

variable "routed_subnet_ids" {
  description = "Subnets (by logical name) whose default route should point at the firewall."
  type        = map(string)
  default     = {}
}

variable "source_address_ranges" {
  description = "Private ranges allowed to leave through the firewall (usually the VNet address space)."
  type        = list(string)

  validation {
    condition     = alltrue([for cidr in var.source_address_ranges : can(cidrhost(cidr, 0))])
    error_message = "source_address_ranges must be CIDR blocks."
  }
}

variable "allowed_fqdns" {
  description = "Extra HTTPS destinations (FQDNs, wildcards allowed) that workloads may reach."
  type        = list(string)
  default     = ["ghcr.io", "*.ghcr.io", "pkg-containers.githubusercontent.com", "github.com"]
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
