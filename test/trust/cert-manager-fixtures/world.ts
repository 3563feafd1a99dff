/** The inputs of the trust test program, shared by the program and the specs that check what it made. */
export const PROGRAM = {
    cluster: "app1",
    apiServerEndpoint: "https://192.168.64.30:6443",
    clusterCaPem: "-----BEGIN CERTIFICATE-----\nYXBwMS1jbHVzdGVyLWNh\n-----END CERTIFICATE-----\n",
    vaultAddress: "https://192.168.64.201:8200",
    vaultCaPem: "-----BEGIN CERTIFICATE-----\ndmF1bHQtbGlzdGVuZXItY2E=\n-----END CERTIFICATE-----\n",
    pkiSignPath: "pki_int/sign/k8s-certs",
} as const;
