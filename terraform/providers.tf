# Credentials and the subscription come from the environment (ARM_SUBSCRIPTION_ID,
# ARM_TENANT_ID, ARM_CLIENT_ID plus ARM_USE_OIDC / ARM_USE_MSI / ARM_CLIENT_SECRET), so the same
# code runs from a laptop, CI and opsbot without edits.
provider "azurerm" {
  # 5.x registers no resource providers by default; ask only for the ones this code uses.
  resource_providers_to_register = [
    "Microsoft.Compute",
    "Microsoft.ContainerInstance",
    "Microsoft.ContainerService",
    "Microsoft.DBforMySQL",
    "Microsoft.DBforPostgreSQL",
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
    "Microsoft.Storage",
  ]

  # Data-plane calls (containers, shares) authenticate with Entra ID, not account keys.
  storage_use_azuread = true

  features {
    key_vault {
      # Purge protection is on; never try to purge, and reuse a soft-deleted vault of the
      # same name instead of failing.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }

    resource_group {
      # Refuse to delete a resource group that still holds resources Terraform does not know.
      prevent_deletion_if_contains_resources = true
    }

    virtual_machine {
      # The data disk is a separate resource and outlives the VM; the OS disk does not.
      delete_os_disk_on_deletion = true
    }
  }
}
