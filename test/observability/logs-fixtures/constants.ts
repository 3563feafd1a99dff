/** What program.ts passes in, for logs.spec.ts to compare against (importing program.ts would run it). */
export const MGMT = "mgmt";
export const APP = "app1";
/** mgmt's ingest IP as the app stack reads it from mgmt's outputs; the code under test never spells it. */
export const INGEST_IP = "192.168.64.204";
export const ROOT_CA_PEM = "-----BEGIN CERTIFICATE-----\nvault-root-ca\n-----END CERTIFICATE-----\n";
export const S3_ENDPOINT = "https://s3.object-storage.svc.cluster.local";
