resource "azurerm_public_ip" "this" {
  name                = "pip-${var.name_prefix}-fw"
  location            = var.location
  resource_group_name = var.resource_group_name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = var.zones
  tags                = var.tags
}

resource "azurerm_firewall_policy" "this" {
  name                     = "afwp-${var.name_prefix}"
  location                 = var.location
  resource_group_name      = var.resource_group_name
  sku                      = var.sku_tier
  threat_intelligence_mode = var.threat_intelligence_mode
  tags                     = var.tags

  # The firewall answers DNS so that FQDN network rules resolve the same names as clients.
  dynamic "dns" {
    for_each = var.sku_tier == "Basic" ? [] : [true]
    content {
      proxy_enabled = true
    }
  }
}

resource "azurerm_firewall_policy_rule_collection_group" "egress" {
  name               = "egress"
  firewall_policy_id = azurerm_firewall_policy.this.id
  priority           = 200

  network_rule_collection {
    name     = "infrastructure"
    priority = 100
    action   = "Allow"

    rule {
      name                  = "dns"
      protocols             = ["UDP", "TCP"]
      source_addresses      = var.source_address_ranges
      destination_addresses = ["*"]
      destination_ports     = ["53"]
    }

    rule {
      name                  = "ntp"
      protocols             = ["UDP"]
      source_addresses      = var.source_address_ranges
      destination_addresses = ["*"]
      destination_ports     = ["123"]
    }

    # AKS nodes reach the control plane through the regional service tag.
    rule {
      name                  = "aks-control-plane"
      protocols             = ["TCP", "UDP"]
      source_addresses      = var.source_address_ranges
      destination_addresses = ["AzureCloud.${var.location}"]
      destination_ports     = ["443", "1194", "9000"]
    }
  }

  application_rule_collection {
    name     = "workloads"
    priority = 200
    action   = "Allow"

    rule {
      name                  = "aks-required"
      source_addresses      = var.source_address_ranges
      destination_fqdn_tags = ["AzureKubernetesService"]

      protocols {
        type = "Https"
        port = 443
      }
    }

    rule {
      name              = "allowed-fqdns"
      source_addresses  = var.source_address_ranges
      destination_fqdns = var.allowed_fqdns

      protocols {
        type = "Https"
        port = 443
      }
    }
  }
}

resource "azurerm_firewall" "this" {
  name                = "afw-${var.name_prefix}"
  location            = var.location
  resource_group_name = var.resource_group_name
  sku_name            = "AZFW_VNet"
  sku_tier            = var.sku_tier
  firewall_policy_id  = azurerm_firewall_policy.this.id
  zones               = var.zones
  tags                = var.tags

  ip_configuration {
    name                 = "primary"
    subnet_id            = var.subnet_id
    public_ip_address_id = azurerm_public_ip.this.id
  }

  # Rules must exist before traffic is routed here, or the first node boot has no egress.
  depends_on = [azurerm_firewall_policy_rule_collection_group.egress]
}

resource "azurerm_route_table" "egress" {
  name                          = "rt-${var.name_prefix}-egress"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  bgp_route_propagation_enabled = false
  tags                          = var.tags

  route {
    name                   = "default-via-firewall"
    address_prefix         = "0.0.0.0/0"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.this.ip_configuration[0].private_ip_address
  }
}

resource "azurerm_subnet_route_table_association" "egress" {
  for_each = var.routed_subnet_ids

  subnet_id      = each.value
  route_table_id = azurerm_route_table.egress.id
}
