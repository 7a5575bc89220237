resource "azurerm_private_dns_zone" "mysql" {
  name                = "${var.name_prefix}.private.mysql.database.azure.com"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "mysql" {
  name                 = "mysql"
  private_dns_zone_id  = azurerm_private_dns_zone.mysql.id
  virtual_network_id   = var.virtual_network_id
  registration_enabled = false
  tags                 = var.tags
}

resource "azurerm_mysql_flexible_server" "this" {
  name                  = "mysql-${var.name_prefix}"
  location              = var.location
  resource_group_name   = var.resource_group_name
  version               = var.mysql.version
  sku_name              = var.mysql.sku_name
  zone                  = var.mysql.zone
  backup_retention_days = var.mysql.backup_days
  delegated_subnet_id   = var.mysql_subnet_id
  private_dns_zone_id   = azurerm_private_dns_zone.mysql.id

  administrator_login               = var.mysql.admin_login
  administrator_password_wo         = var.mysql_admin_password
  administrator_password_wo_version = var.mysql.password_epoch

  storage {
    size_gb            = var.mysql.storage_gb
    auto_grow_enabled  = true
    io_scaling_enabled = true
  }

  tags = var.tags

  depends_on = [azurerm_private_dns_zone_virtual_network_link.mysql]
}

resource "azurerm_mysql_flexible_database" "this" {
  for_each = var.mysql.databases

  name                = each.value
  server_name         = azurerm_mysql_flexible_server.this.name
  resource_group_name = var.resource_group_name
  charset             = var.mysql.charset
  collation           = var.mysql.collation

  lifecycle {
    prevent_destroy = true
  }
}

# Applications read the password through the Key Vault CSI driver; it is written with the
# write-only argument so that it never lands in state either.
resource "azurerm_key_vault_secret" "mysql_admin_password" {
  name             = "mysql-admin-password"
  key_vault_id     = var.key_vault_id
  value_wo         = var.mysql_admin_password
  value_wo_version = var.mysql.password_epoch
  content_type     = "text/plain"
}
