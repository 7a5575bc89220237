data "azurerm_client_config" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"
  # Names that must be globally unique, and for storage also alphanumeric.
  unique_prefix = "${var.project}${var.environment}${var.name_suffix}"

  tags = merge(var.tags, {
    environment = var.environment
    managed-by  = "terraform"
    repository  = "infra"
  })

  subnets = {
    aks = {
      address_prefixes  = [cidrsubnet(var.address_space, 6, 0)] # /22: nodes (pods use the overlay)
      service_endpoints = ["Microsoft.KeyVault", "Microsoft.Storage"]
    }
    vm = {
      address_prefixes  = [cidrsubnet(var.address_space, 8, 4)]
      service_endpoints = ["Microsoft.KeyVault", "Microsoft.Storage"]
      security_rules = [
        {
          name                    = "ssh-from-vnet"
          priority                = 100
          source_address_prefix   = "VirtualNetwork"
          destination_port_ranges = ["22"]
        },
        {
          name                    = "deny-ssh-from-internet"
          priority                = 4000
          access                  = "Deny"
          source_address_prefix   = "Internet"
          destination_port_ranges = ["22"]
        },
      ]
    }
    containers = {
      address_prefixes  = [cidrsubnet(var.address_space, 8, 5)]
      service_endpoints = ["Microsoft.Storage"]
      delegation        = "Microsoft.ContainerInstance/containerGroups"
    }
    postgresql = {
      address_prefixes = [cidrsubnet(var.address_space, 8, 6)]
      delegation       = "Microsoft.DBforPostgreSQL/flexibleServers"
    }
    mysql = {
      address_prefixes = [cidrsubnet(var.address_space, 8, 7)]
      delegation       = "Microsoft.DBforMySQL/flexibleServers"
    }
    firewall = {
      name             = "AzureFirewallSubnet" # the name Azure Firewall requires
      address_prefixes = [cidrsubnet(var.address_space, 10, 32)]
      nsg              = false
    }
  }
}

resource "azurerm_resource_group" "this" {
  name     = "rg-${local.name_prefix}"
  location = var.location
  tags     = local.tags
}

module "network" {
  source = "./modules/network"

  name_prefix         = local.name_prefix
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  address_space       = [var.address_space]
  subnets             = local.subnets
  tags                = local.tags
}

module "firewall" {
  source = "./modules/firewall"

  name_prefix           = local.name_prefix
  location              = azurerm_resource_group.this.location
  resource_group_name   = azurerm_resource_group.this.name
  subnet_id             = module.network.subnet_ids["firewall"]
  source_address_ranges = [var.address_space]
  routed_subnet_ids = {
    aks        = module.network.subnet_ids["aks"]
    vm         = module.network.subnet_ids["vm"]
    containers = module.network.subnet_ids["containers"]
  }
  tags = local.tags
}

module "aks" {
  source = "./modules/aks"

  name_prefix            = local.name_prefix
  location               = azurerm_resource_group.this.location
  resource_group_name    = azurerm_resource_group.this.name
  subnet_id              = module.network.subnet_ids["aks"]
  kubernetes_version     = var.aks.kubernetes_version
  sku_tier               = var.aks.sku_tier
  node_vm_size           = var.aks.node_vm_size
  node_count_min         = var.aks.node_count_min
  node_count_max         = var.aks.node_count_max
  admin_group_object_ids = var.aks.admin_group_object_ids
  # Nodes reach the API server from the firewall's public IP, so a restricted API server must
  # allow it as well as the operators.
  api_server_authorized_ip_ranges = length(var.admin_ip_ranges) == 0 ? [] : concat(var.admin_ip_ranges, ["${module.firewall.public_ip_address}/32"])
  tags                            = local.tags

  # userDefinedRouting needs the subnet's default route to the firewall before creation.
  depends_on = [module.firewall]
}

module "vm" {
  source = "./modules/vm"

  name                 = "vm-${local.name_prefix}"
  location             = azurerm_resource_group.this.location
  resource_group_name  = azurerm_resource_group.this.name
  subnet_id            = module.network.subnet_ids["vm"]
  size                 = var.vm.size
  admin_username       = var.vm.admin_username
  admin_ssh_public_key = var.vm.admin_ssh_public_key
  data_disk_size_gb    = var.vm.data_disk_size_gb
  tags                 = local.tags
}

module "containers" {
  source = "./modules/containers"

  name                = "ci-${local.name_prefix}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = module.network.subnet_ids["containers"]
  containers          = var.containers
  tags                = local.tags
}

module "keyvault" {
  source = "./modules/keyvault"

  name                = "kv-${local.unique_prefix}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  allowed_ip_ranges   = var.admin_ip_ranges
  allowed_subnet_ids  = [module.network.subnet_ids["aks"], module.network.subnet_ids["vm"]]
  # Whoever runs Terraform writes the generated secrets (the MySQL password).
  administrator_principal_ids = { deployer = data.azurerm_client_config.current.object_id }
  tags                        = local.tags
}

module "storage" {
  source = "./modules/storage"

  name                = "st${local.unique_prefix}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  blob_containers     = var.blob_containers
  file_shares         = var.file_shares
  allowed_ip_ranges   = var.admin_ip_ranges
  allowed_subnet_ids = [
    module.network.subnet_ids["aks"],
    module.network.subnet_ids["vm"],
    module.network.subnet_ids["containers"],
  ]
  tags = local.tags
}

module "databases" {
  source = "./modules/databases"

  name_prefix          = "${local.name_prefix}${var.name_suffix == "" ? "" : "-${var.name_suffix}"}"
  location             = azurerm_resource_group.this.location
  resource_group_name  = azurerm_resource_group.this.name
  virtual_network_id   = module.network.virtual_network_id
  postgresql_subnet_id = module.network.subnet_ids["postgresql"]
  mysql_subnet_id      = module.network.subnet_ids["mysql"]
  postgresql_admin     = var.postgresql_admin
  postgresql           = { databases = var.postgresql_databases }
  mysql = {
    databases      = var.mysql_databases
    password_epoch = var.mysql_password_epoch
  }
  mysql_admin_password = var.mysql_admin_password
  key_vault_id         = module.keyvault.id
  tags                 = local.tags
}

module "identity" {
  source = "./modules/identity"

  name_prefix         = local.name_prefix
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  oidc_issuer_url     = module.aks.oidc_issuer_url
  workload_identities = var.workload_identities
  scopes = {
    keyvault = module.keyvault.id
    storage  = module.storage.storage_account_id
  }
  principal_role_assignments = {
    # The CSI driver add-on mounts SecretProviderClass secrets with its own identity.
    csi-reads-keyvault = {
      principal_id         = module.aks.key_vault_secrets_provider_principal_id
      role_definition_name = "Key Vault Secrets User"
      scope_key            = "keyvault"
    }
    kubelet-reads-keyvault = {
      principal_id         = module.aks.kubelet_identity_principal_id
      role_definition_name = "Key Vault Secrets User"
      scope_key            = "keyvault"
    }
  }
  tags = local.tags
}
