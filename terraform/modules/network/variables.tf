variable "name_prefix" {
  description = "Prefix for every resource name, e.g. \"opsbot-prod\"."
  type        = string
}

variable "location" {
  description = "Azure region of the network."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group that holds the network."
  type        = string
}

variable "address_space" {
  description = "Address space of the virtual network."
  type        = list(string)

  validation {
    condition     = length(var.address_space) > 0 && alltrue([for cidr in var.address_space : can(cidrhost(cidr, 0))])
    error_message = "address_space must hold at least one valid CIDR block."
  }
}

variable "subnets" {
  description = <<-EOT
    Subnets by logical name. `delegation` hands the subnet to one Azure service (e.g.
    "Microsoft.DBforPostgreSQL/flexibleServers"); `security_rules` become the subnet's network
    security group (no group is created when `nsg` is false, as for AzureFirewallSubnet).
  EOT
  type = map(object({
    name              = optional(string)
    address_prefixes  = list(string)
    service_endpoints = optional(list(string), [])
    delegation        = optional(string)
    nsg               = optional(bool, true)
    security_rules = optional(list(object({
      name                       = string
      priority                   = number
      direction                  = optional(string, "Inbound")
      access                     = optional(string, "Allow")
      protocol                   = optional(string, "Tcp")
      source_address_prefix      = optional(string, "*")
      destination_port_ranges    = list(string)
      destination_address_prefix = optional(string, "*")
    })), [])
  }))

  validation {
    condition = alltrue(flatten([
      for s in values(var.subnets) : [for p in s.address_prefixes : can(cidrhost(p, 0))]
    ]))
    error_message = "Every subnet address prefix must be a valid CIDR block."
  }

  validation {
    condition = alltrue(flatten([
      for s in values(var.subnets) : [for r in s.security_rules : r.priority >= 100 && r.priority <= 4096]
    ]))
    error_message = "Security rule priorities must be between 100 and 4096."
  }
}

variable "delegation_actions" {
  description = "Actions granted to each delegated service, by service name."
  type        = map(list(string))
  default = {
    "Microsoft.ContainerInstance/containerGroups" = ["Microsoft.Network/virtualNetworks/subnets/action"]
    "Microsoft.DBforMySQL/flexibleServers"        = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    "Microsoft.DBforPostgreSQL/flexibleServers"   = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
