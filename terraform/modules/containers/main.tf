resource "azurerm_container_group" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  os_type             = "Linux"
  sku                 = "Standard"
  restart_policy      = var.restart_policy

  # Reachable only inside the VNet; outbound goes through the firewall route.
  ip_address_type = "Private"
  subnet_ids      = [var.subnet_id]

  dynamic "identity" {
    for_each = length(var.user_assigned_identity_ids) > 0 ? [true] : []
    content {
      type         = "UserAssigned"
      identity_ids = var.user_assigned_identity_ids
    }
  }

  dynamic "container" {
    for_each = var.containers
    content {
      name                         = container.key
      image                        = container.value.image
      cpu                          = container.value.cpu
      memory                       = container.value.memory_gb
      environment_variables        = container.value.environment_variables
      secure_environment_variables = lookup(var.secure_environment_variables, container.key, null)
      commands                     = container.value.commands

      dynamic "ports" {
        for_each = toset(container.value.ports)
        content {
          port     = ports.value
          protocol = "TCP"
        }
      }
    }
  }

  tags = var.tags
}
