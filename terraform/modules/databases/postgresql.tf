data "azurerm_client_config" "current" {}

resource "azurerm_private_dns_zone" "postgresql" {
  name                = "${var.name_prefix}.private.postgres.database.azure.com"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "postgresql" {
  name                 = "postgresql"
  private_dns_zone_id  = azurerm_private_dns_zone.postgresql.id
  virtual_network_id   = var.virtual_network_id
  registration_enabled = false
  tags                 = var.tags
}

resource "azurerm_postgresql_flexible_server" "this" {
  name                          = "psql-${var.name_prefix}"
  location                      = var.location
  resource_group_name           = var.resource_group_name
  version                       = var.postgresql.version
  sku_name                      = var.postgresql.sku_name
  storage_mb                    = var.postgresql.storage_mb
  auto_grow_enabled             = true
  backup_retention_days         = var.postgresql.backup_days
  delegated_subnet_id           = var.postgresql_subnet_id
  private_dns_zone_id           = azurerm_private_dns_zone.postgresql.id
  public_network_access_enabled = false

  # Entra ID only: applications connect with workload identity tokens, so there is no
  # password to leak or rotate.
  authentication {
    active_directory_auth_enabled = true
    password_auth_enabled         = false
    tenant_id                     = data.azurerm_client_config.current.tenant_id
  }

  dynamic "high_availability" {
    for_each = var.postgresql.high_availability ? [true] : []
    content {
      mode = "ZoneRedundant"
    }
  }

  tags = var.tags

  lifecycle {
    # Azure moves the server between zones on failover; do not fight it.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.postgresql]
}

resource "azurerm_postgresql_flexible_server_active_directory_administrator" "this" {
  server_name         = azurerm_postgresql_flexible_server.this.name
  resource_group_name = var.resource_group_name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  object_id           = var.postgresql_admin.object_id
  principal_name      = var.postgresql_admin.principal_name
  principal_type      = var.postgresql_admin.principal_type
}

resource "azurerm_postgresql_flexible_server_database" "this" {
  for_each = var.postgresql.databases

  name      = each.value
  server_id = azurerm_postgresql_flexible_server.this.id
  charset   = "UTF8"
  collation = "en_US.utf8"

  lifecycle {
    prevent_destroy = true
  }
}
