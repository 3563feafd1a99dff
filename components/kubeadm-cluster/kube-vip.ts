/**
 * kube-vip static pod announcing the control-plane VIP over ARP (kube-vip.io "Static Pods";
 * kubernetes/kubeadm docs/ha-considerations.md). Only rendered with 3 control-plane nodes.
 *
 * Since Kubernetes 1.29 admin.conf is no longer in system:masters, and during `kubeadm init` the
 * RBAC kube-vip needs does not exist yet; the first node therefore mounts super-admin.conf, which
 * only the init node has (kube-vip/kube-vip#684). Joined nodes use admin.conf.
 */
import { stringify } from "yaml";
import { IMAGES } from "../../config/versions";
import { API_SERVER_PORT } from "./kubeadm-config";

export const KUBE_VIP_MANIFEST = "/etc/kubernetes/manifests/kube-vip.yaml";

export interface KubeVipArgs {
    /** The VIP, on the node subnet. */
    vip: string;
    /** Interface to announce on. */
    interface: string;
    /** True on the node that runs `kubeadm init`. */
    initNode: boolean;
}

export function kubeVipManifest(args: KubeVipArgs): object {
    const kubeconfig = args.initNode ? "/etc/kubernetes/super-admin.conf" : "/etc/kubernetes/admin.conf";
    const env: Record<string, string> = {
        vip_arp: "true",
        port: String(API_SERVER_PORT),
        vip_interface: args.interface,
        vip_cidr: "32",
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
            volumes: [{ name: "kubeconfig", hostPath: { path: kubeconfig } }],
        },
    };
}

export function renderKubeVipManifest(args: KubeVipArgs): string {
    return stringify(kubeVipManifest(args), { lineWidth: 0 });
}
