locals {
  # One entry per (identity, role, scope); the key is built from names only so that it is
  # known at plan time even when the principal and scope IDs are not.
  workload_role_assignments = merge([
    for identity_name, w in var.workload_identities : merge([
      for role, scope_keys in w.roles : {
        for scope_key in scope_keys : "${identity_name}/${role}/${scope_key}" => {
          identity_name        = identity_name
          role_definition_name = role
          scope_key            = scope_key
        }
      }
    ]...)
  ]...)
}

resource "azurerm_user_assigned_identity" "workload" {
  for_each = var.workload_identities

  name                = "id-${var.name_prefix}-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

# Lets the pod's projected service account token be exchanged for an Entra ID token.
resource "azurerm_federated_identity_credential" "workload" {
  for_each = var.workload_identities

  name                      = "aks-${each.value.namespace}-${each.value.service_account}"
  user_assigned_identity_id = azurerm_user_assigned_identity.workload[each.key].id
  issuer                    = var.oidc_issuer_url
  audience                  = ["api://AzureADTokenExchange"]
  subject                   = "system:serviceaccount:${each.value.namespace}:${each.value.service_account}"
}

resource "azurerm_role_assignment" "workload" {
  for_each = local.workload_role_assignments

  scope                = var.scopes[each.value.scope_key]
  role_definition_name = each.value.role_definition_name
  principal_id         = azurerm_user_assigned_identity.workload[each.value.identity_name].principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "principal" {
  for_each = var.principal_role_assignments

  scope                = var.scopes[each.value.scope_key]
  role_definition_name = each.value.role_definition_name
  principal_id         = each.value.principal_id
  principal_type       = "ServicePrincipal"
}
