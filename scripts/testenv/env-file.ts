import { join } from 'node:path';
import { ARGOCD_CLUSTER_NAME } from './argocd.js';
import type { Part, Settings } from './config.js';
import type { Prepared } from './env.js';
import { GITOPS_BRANCH } from './gitops-repo.js';
import { ARGOCD_NAMESPACE } from './kube-setup.js';
import { KWOK_NODE } from './kwok.js';
import type { State } from './state.js';

/** `.testenv/env`: what tests (and a terminal after `set -a; . .testenv/env`) need to reach each part. */
export function envVars(s: Settings, state: State, p: Prepared): Record<string, string> {
  const pid = (part: Part) => String(state.procs[part]?.pid ?? '');
  const v = s.versions;
  const apiserver = `https://127.0.0.1:${p.ports.apiserver}`;
  return {
    TESTENV_DIR: s.dir,
    REDIS_URL: `redis://127.0.0.1:${p.ports.redis}`,
    REDIS_PID: pid('redis'),
    TF_BINARY: p.bins.tofu,
    TF_CLI_CONFIG_FILE: join(s.dir, 'tofu', 'cli.tfrc'),
    TOFU_VERSION: v.tofu,
    ETCD_ENDPOINT: `http://127.0.0.1:${p.ports.etcd}`,
    ETCD_PID: pid('etcd'),
    ETCD_VERSION: v.etcd,
    KUBE_APISERVER_URL: apiserver,
    KUBE_APISERVER_PID: pid('kube-apiserver'),
    KUBE_CONTROLLER_MANAGER_PID: pid('kube-controller-manager'),
    KUBE_SCHEDULER_PID: pid('kube-scheduler'),
    KUBE_VERSION: v.kube,
    KUBE_CA_FILE: p.pki.caCert,
    KUBECONFIG: p.kubeconfigs.admin,
    OPSBOT_KUBECONFIG: p.kubeconfigs.opsbot,
    KWOK_PID: pid('kwok'),
    KWOK_VERSION: v.kwok,
    KWOK_NODE,
    ARGOCD_VERSION: v.argocd,
    ARGOCD_BINARY: p.bins.argocd,
    ARGOCD_NAMESPACE,
    // Applications use this as spec.destination.server (the in-cluster URL does not work here).
    ARGOCD_CLUSTER_SERVER: apiserver,
    ARGOCD_CLUSTER_NAME,
    ARGOCD_REPO_SERVER: `127.0.0.1:${p.ports.repoServer}`,
    ARGOCD_REDIS: `127.0.0.1:${p.ports.argocdRedis}`,
    ARGOCD_REDIS_PID: pid('argocd-redis'),
    ARGOCD_REPO_SERVER_PID: pid('argocd-repo-server'),
    ARGOCD_APPLICATION_CONTROLLER_PID: pid('argocd-application-controller'),
    KUSTOMIZE_VERSION: v.kustomize,
    HELM_VERSION: v.helm,
    // The embedded default (`npm start` with no opsbot.yaml) keeps its GitOps remote at
    // $OPSBOT_HOME/gitops.git: with this, that is the repository Argo CD syncs.
    OPSBOT_HOME: p.repo.home,
    GITOPS_REPO: p.repo.path,
    GITOPS_REPO_URL: p.repo.url,
    GITOPS_BRANCH,
    REGISTRY_URL: `127.0.0.1:${p.ports.registry}`,
    REGISTRY_USER: p.registry.user,
    REGISTRY_PASSWORD: p.registry.password,
    REGISTRY_CA: p.pki.caCert,
    REGISTRY_PID: pid('registry'),
    REGISTRY_VERSION: v.registry,
    CRANE: p.bins.crane,
    CRANE_VERSION: v.crane,
    COSIGN: p.bins.cosign,
    COSIGN_VERSION: v.cosign,
  };
}
