/** What program.ts passes in, for the spec to compare against (importing program.ts would run it). */
export const MGMT = "mgmt";
export const APP = "app1";
export const INGEST_IP = "192.168.64.204";
/** The agent's URL, as an app stack reads it from mgmt's outputs (a distinct port proves it is not rebuilt from INGEST_IP). */
export const AGENT_REMOTE_WRITE_URL = "https://192.168.64.204:19291/api/v1/receive?from=mgmt-outputs";
export const ROOT_CA_PEM = "-----BEGIN CERTIFICATE-----\nplatform-root-ca\n-----END CERTIFICATE-----\n";
export const S3 = {
    endpoint: "https://s3.object-storage.svc.cluster.local",
    region: "us-east-1",
    bucket: "thanos",
    credentialPath: "platform/mgmt/s3-thanos",
};
