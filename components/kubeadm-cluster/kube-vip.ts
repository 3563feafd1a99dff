/**
 * kube-vip static pod announcing the control-plane VIP over ARP (kube-vip.io "Static Pods";
 * kubernetes/kubeadm docs/ha-considerations.md). Only rendered with 3 control-plane nodes.
 *
 * The manifest mounts admin.conf on every control-plane node. Since Kubernetes 1.29 admin.conf is no
 * longer in system:masters, and while `kubeadm init` runs the RBAC kube-vip needs does not exist yet,
 * so the init step points it at super-admin.conf (which only the init node has) until init is done
 * (kube-vip/kube-vip#684; see `renderInitCreate`).
 */
import { stringify } from "yaml";
import { IMAGES } from "../../config/versions";
import { API_SERVER_PORT } from "./kubeadm-config";

export const KUBE_VIP_MANIFEST = "/etc/kubernetes/manifests/kube-vip.yaml";
/** The kubeconfig the manifest mounts, and the one it mounts while `kubeadm init` runs. */
export const KUBE_VIP_KUBECONFIG = "/etc/kubernetes/admin.conf";
export const KUBE_VIP_INIT_KUBECONFIG = "/etc/kubernetes/super-admin.conf";

export interface KubeVipArgs {
    /** The VIP, on the node subnet. */
    vip: string;
    /** Interface to announce on; unset, kube-vip v1.0.4 uses the interface of the default route. */
    interface?: string;
}

export function kubeVipManifest(args: KubeVipArgs): object {
    // Environment of kube-vip v1.0.4 (pkg/kubevip/config_envvar.go). vip_subnet, not vip_cidr, which
    // it ignores; vip_interface left out makes it detect the default-route interface (cmd/kube-vip.go).
    const env: Record<string, string> = {
        vip_arp: "true",
        port: String(API_SERVER_PORT),
        ...(args.interface === undefined ? {} : { vip_interface: args.interface }),
        vip_subnet: "32",
        cp_enable: "true",
        cp_namespace: "kube-system",
        vip_leaderelection: "true",
        vip_leasename: "plndr-cp-lock",
        vip_leaseduration: "5",
        vip_renewdeadline: "3",
        vip_retryperiod: "1",
        address: args.vip,
    };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "kube-vip", namespace: "kube-system" },
        spec: {
            containers: [
                {
                    name: "kube-vip",
                    image: IMAGES.kubeVip,
                    imagePullPolicy: "IfNotPresent",
                    args: ["manager"],
                    env: Object.entries(env).map(([name, value]) => ({ name, value })),
                    securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] } },
                    volumeMounts: [{ name: "kubeconfig", mountPath: "/etc/kubernetes/admin.conf" }],
                },
            ],
            hostAliases: [{ ip: "127.0.0.1", hostnames: ["kubernetes"] }],
            hostNetwork: true,
            volumes: [{ name: "kubeconfig", hostPath: { path: KUBE_VIP_KUBECONFIG } }],
        },
    };
}

export function renderKubeVipManifest(args: KubeVipArgs): string {
    return stringify(kubeVipManifest(args), { lineWidth: 0 });
}
