# Plans the whole root module against a mocked azurerm provider: no cloud, no credentials.
# It catches what `validate` cannot: module wiring, for_each keys unknown at plan time,
# dependency cycles and the variable validations. Run by scripts/terraform-check.sh --validate
# (`tofu test`), which supplies TF_VAR_mysql_admin_password from the environment.

mock_provider "azurerm" {
  mock_data "azurerm_client_config" {
    defaults = {
      tenant_id       = "00000000-0000-0000-0000-00000000000a"
      object_id       = "00000000-0000-0000-0000-00000000000b"
      subscription_id = "00000000-0000-0000-0000-00000000000c"
    }
  }

  # The provider parses resource IDs at plan time, so mocked IDs must look real. (Every
  # subnet gets the firewall subnet's ID: Azure Firewall insists on that name.)
  mock_resource "azurerm_resource_group" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev"
    }
  }

  mock_resource "azurerm_virtual_network" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/virtualNetworks/vnet-opsbot-dev"
    }
  }

  mock_resource "azurerm_subnet" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/virtualNetworks/vnet-opsbot-dev/subnets/AzureFirewallSubnet"
    }
  }

  mock_resource "azurerm_network_security_group" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/networkSecurityGroups/nsg-opsbot-dev"
    }
  }

  mock_resource "azurerm_public_ip" {
    defaults = {
      id         = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/publicIPAddresses/pip-opsbot-dev-fw"
      ip_address = "198.51.100.10"
    }
  }

  mock_resource "azurerm_firewall_policy" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/firewallPolicies/afwp-opsbot-dev"
    }
  }

  mock_resource "azurerm_firewall" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/azureFirewalls/afw-opsbot-dev"
    }
  }

  mock_resource "azurerm_route_table" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/routeTables/rt-opsbot-dev-egress"
    }
  }

  mock_resource "azurerm_user_assigned_identity" {
    defaults = {
      id           = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-opsbot-dev"
      principal_id = "00000000-0000-0000-0000-0000000000e1"
      client_id    = "00000000-0000-0000-0000-0000000000e2"
    }
  }

  mock_resource "azurerm_kubernetes_cluster" {
    defaults = {
      id              = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.ContainerService/managedClusters/aks-opsbot-dev"
      oidc_issuer_url = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-00000000000a/00000000-0000-0000-0000-0000000000f1/"
      key_vault_secrets_provider = {
        secret_identity = [{
          client_id                 = "00000000-0000-0000-0000-0000000000f2"
          object_id                 = "00000000-0000-0000-0000-0000000000f3"
          user_assigned_identity_id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev-aks-nodes/providers/Microsoft.ManagedIdentity/userAssignedIdentities/azurekeyvaultsecretsprovider-aks-opsbot-dev"
        }]
      }
    }
  }

  mock_resource "azurerm_network_interface" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/networkInterfaces/nic-vm-opsbot-dev"
    }
  }

  mock_resource "azurerm_linux_virtual_machine" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Compute/virtualMachines/vm-opsbot-dev"
    }
  }

  mock_resource "azurerm_managed_disk" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Compute/disks/disk-vm-opsbot-dev-data"
    }
  }

  mock_resource "azurerm_private_dns_zone" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Network/privateDnsZones/opsbot-dev-t1.private.postgres.database.azure.com"
    }
  }

  mock_resource "azurerm_postgresql_flexible_server" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-opsbot-dev-t1"
    }
  }

  mock_resource "azurerm_mysql_flexible_server" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.DBforMySQL/flexibleServers/mysql-opsbot-dev-t1"
    }
  }

  mock_resource "azurerm_key_vault" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.KeyVault/vaults/kv-opsbotdevt1"
    }
  }

  mock_resource "azurerm_storage_account" {
    defaults = {
      id = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-opsbot-dev/providers/Microsoft.Storage/storageAccounts/stopsbotdevt1"
    }
  }
}

variables {
  environment = "dev"
  name_suffix = "t1"

  admin_ip_ranges = ["203.0.113.0/28"]

  vm = {
    admin_ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdn2WHK+2gaHPvEujpOCn+L1Id72IeOYWOUfqV7KV5q test@example"
  }

  containers = {
    uptime-kuma = {
      image = "louislam/uptime-kuma:1.23.16"
      ports = [3001]
    }
  }

  postgresql_admin = {
    object_id      = "00000000-0000-0000-0000-00000000000d"
    principal_name = "pg-admins"
  }

  postgresql_databases = ["backend"]
  mysql_databases      = ["bot_mat"]

  workload_identities = {
    backend = {
      namespace       = "backend"
      service_account = "backend"
      roles = {
        "Key Vault Secrets User"        = ["keyvault"]
        "Storage Blob Data Contributor" = ["storage"]
      }
    }
  }
}

run "plan_everything" {
  command = plan

  assert {
    condition     = azurerm_resource_group.this.name == "rg-opsbot-dev"
    error_message = "resource group name should follow rg-<project>-<environment>"
  }

  assert {
    condition     = length(module.network.subnet_address_prefixes) == 6
    error_message = "expected six subnets"
  }
}

run "containers_reject_latest_images" {
  command = plan

  module {
    source = "./modules/containers"
  }

  variables {
    name                = "ci-test"
    location            = "westeurope"
    resource_group_name = "rg-test"
    subnet_id           = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/vnet/subnets/containers"
    containers = {
      web = { image = "nginx:latest" }
    }
  }

  expect_failures = [var.containers]
}

run "firewall_requires_its_subnet_name" {
  command = plan

  module {
    source = "./modules/firewall"
  }

  variables {
    name_prefix           = "test"
    location              = "westeurope"
    resource_group_name   = "rg-test"
    subnet_id             = "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-firewall"
    source_address_ranges = ["10.20.0.0/16"]
  }

  expect_failures = [var.subnet_id]
}
