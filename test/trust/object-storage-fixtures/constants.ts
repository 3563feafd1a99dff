/** What program.ts passes in, for the specs to compare against (importing program.ts would run it). */
export const CLUSTER = "mgmt";
export const S3_IP = "192.168.64.202";
export const VAULT_ADDRESS = "https://192.168.64.201:8200";
export const VAULT_CA_PEM = "-----BEGIN CERTIFICATE-----\nvault-listener-ca\n-----END CERTIFICATE-----\n";
