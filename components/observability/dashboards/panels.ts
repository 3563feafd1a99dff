/**
 * The small vocabulary the platform's dashboards are written in: the datasources (by the fixed
 * uids Grafana's provisioning gives them), a `cluster` variable, time series, stats and log
 * panels laid out on Grafana's 24-column grid, and the dashboard envelope (Grafana dashboard JSON
 * model, schemaVersion 41, which Grafana 13 still reads and migrates on load).
 */

/** A datasource as a panel names it. */
export interface DatasourceRef {
    type: string;
    uid: string;
}

/** The provisioned datasources (grafana.ts gives them these uids), so every link and panel names one uid. */
export const DATASOURCES = {
    thanos: { type: "prometheus", uid: "thanos" },
    loki: { type: "loki", uid: "loki" },
    tempo: { type: "tempo", uid: "tempo" },
    alertmanager: { type: "alertmanager", uid: "alertmanager" },
} as const satisfies Record<string, DatasourceRef>;

/** One query of a panel: PromQL for Thanos, LogQL for Loki. */
export interface Query {
    expr: string;
    legend?: string;
}

/** A panel before layout. */
export interface PanelSpec {
    type: "timeseries" | "stat" | "logs" | "table";
    title: string;
    datasource: DatasourceRef;
    queries: Query[];
    /** Grafana unit id (`percentunit`, `bytes`, `short`, ...). */
    unit?: string;
    /** Width in grid columns (of 24). */
    width: number;
    /** Height in grid rows. */
    height: number;
}

/** A time series of PromQL queries over Thanos. */
export function timeseries(title: string, queries: Query[], unit = "short"): PanelSpec {
    return { type: "timeseries", title, datasource: DATASOURCES.thanos, queries, unit, width: 12, height: 8 };
}

/** A single number from Thanos. */
export function stat(title: string, expr: string, unit = "short"): PanelSpec {
    return { type: "stat", title, datasource: DATASOURCES.thanos, queries: [{ expr }], unit, width: 6, height: 4 };
}

/** A table of the instant result of PromQL queries (one row per series). */
export function table(title: string, queries: Query[], unit = "short"): PanelSpec {
    return { type: "table", title, datasource: DATASOURCES.thanos, queries, unit, width: 24, height: 8 };
}

/** A time series of LogQL metric queries over Loki. */
export function logCounts(title: string, queries: Query[]): PanelSpec {
    return { type: "timeseries", title, datasource: DATASOURCES.loki, queries, unit: "short", width: 24, height: 8 };
}

/** Log lines from Loki. */
export function logs(title: string, expr: string): PanelSpec {
    return { type: "logs", title, datasource: DATASOURCES.loki, queries: [{ expr }], width: 24, height: 12 };
}

/** A multi-select variable over the values of a label, All by default. */
export function queryVariable(name: string, label: string, query: string): Record<string, unknown> {
    return {
        name,
        label,
        type: "query",
        datasource: DATASOURCES.thanos,
        query: { query, refId: name },
        definition: query,
        refresh: 2,
        includeAll: true,
        multi: true,
        current: { text: ["All"], value: ["$__all"] },
        sort: 1,
    };
}

/** The `cluster` variable: every value of the external label the senders add. */
export function clusterVariable(): Record<string, unknown> {
    return queryVariable("cluster", "cluster", "label_values(kube_node_info, cluster)");
}

/** Panels in rows, left to right, wrapping at 24 columns; ids from 1. */
function layout(specs: PanelSpec[]): Record<string, unknown>[] {
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    return specs.map((spec, i) => {
        if (x + spec.width > 24) {
            x = 0;
            y += rowHeight;
            rowHeight = 0;
        }
        const gridPos = { x, y, w: spec.width, h: spec.height };
        x += spec.width;
        rowHeight = Math.max(rowHeight, spec.height);
        return {
            id: i + 1,
            type: spec.type,
            title: spec.title,
            datasource: spec.datasource,
            gridPos,
            targets: spec.queries.map((q, j) => ({
                refId: String.fromCharCode(65 + j),
                datasource: spec.datasource,
                expr: q.expr,
                ...(q.legend ? { legendFormat: q.legend } : {}),
                ...(spec.type === "table" ? { instant: true, format: "table" } : {}),
            })),
            ...(spec.type === "logs" ? { options: { showTime: true, wrapLogMessage: true, sortOrder: "Descending" } } : {}),
            ...(spec.unit ? { fieldConfig: { defaults: { unit: spec.unit }, overrides: [] } } : {}),
        };
    });
}

/** What a dashboard says about itself. */
export interface DashboardSpec {
    /** Stable uid: links and the provisioning file name use it. */
    uid: string;
    title: string;
    tags: string[];
    panels: PanelSpec[];
    /** Template variables beyond none (most dashboards take `clusterVariable()`). */
    variables: Record<string, unknown>[];
}

/** A dashboard in Grafana's JSON model, read-only in the UI (the code is its source). */
export function dashboard(spec: DashboardSpec): Record<string, unknown> {
    return {
        uid: spec.uid,
        title: spec.title,
        tags: ["platform", ...spec.tags],
        editable: false,
        schemaVersion: 41,
        version: 1,
        timezone: "browser",
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: { list: spec.variables },
        annotations: { list: [] },
        panels: layout(spec.panels),
    };
}
