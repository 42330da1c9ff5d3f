import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApplicationFunction, ApplicationFunctionOptions, Context, Probot } from "probot";
import { rebuildChannelIndex } from "./channels/claims.js";
import { appIdentityFrom } from "./github/app-identity.js";
import type { AppDeps, Runtime } from "./handlers/deps.js";
import { dispatchDelivery } from "./handlers/dispatch.js";
import { reconcile } from "./handlers/reconcile.js";
import { postWeeklyReports } from "./handlers/weekly-report.js";
import { describeError } from "./helpers/describe-error.js";
import { payloadSubject } from "./helpers/issue-log.js";
import { StoreHealth } from "./runtime/store-health.js";
import { createScheduler, DueLoop } from "./scheduler/index.js";
import { countQueuedComments } from "./store/comment-queue-store.js";
import { countTimersByState } from "./store/timer-store.js";
import {
  claimInbox,
  countByState,
  enqueueDelivery,
  nextDueAt,
  nextInboxAt,
  setMeta,
} from "./store/tracking-store.js";

const RECONCILE_EVERY_MS = 10 * 60_000;
/** Most of a loop's 16 slots one installation may hold: a slow one leaves 12 to the others. */
const INSTALLATION_SHARE = 4;

const QUEUED_EVENTS = [
  "issues.opened",
  "issues.edited",
  "issues.reopened",
  "issues.labeled",
  "issues.unlabeled",
  "issues.closed",
  "issue_comment.created",
  "push",
] as const;
const QUEUED = new Set<string>(QUEUED_EVENTS);
const INSTALLATION_EVENTS = ["installation", "installation_repositories"] as const;
/**
 * Every event name GitHub sends this app: those it works on, the installation events every app
 * receives, and `ping` (sent when the webhook is set up). Used where an unsigned request's claimed
 * event must not become a label of its own (metrics).
 */
export const RECEIVED_EVENTS: ReadonlySet<string> = new Set([
  ...QUEUED_EVENTS.map((e) => e.split(".")[0] as string),
  ...INSTALLATION_EVENTS,
  "ping",
]);

/**
 * Event wiring only. A webhook is stored in the durable inbox and acknowledged at once; the inbox
 * loop applies it (handlers/) and the scheduler loop escalates due timers (scheduler/). Both loops claim
 * their work with leases in the store, so replicas sharing one database never double an effect.
 */
export function createApp(deps: AppDeps, onReady?: (runtime: Runtime) => void): ApplicationFunction {
  return (app: Probot, options?: ApplicationFunctionOptions) => {
    const auth = (installationId: number) => app.auth(installationId);
    // The app's bot account, asked once from GET /app (JWT): only its comments carry trusted markers.
    const self = appIdentityFrom(() => app.auth());
    // Whether the store takes writes: /healthz reports it, and the first write that succeeds after
    // a failure reconciles at once what was missed meanwhile (webhooks answered 500).
    const storeHealth = new StoreHealth({
      probe: () => setMeta(deps.store, `health:${deps.owner}`, String(deps.clock.now())),
      onRecovered: () => {
        void runReconcile().then(() => {
          inbox.kick();
          scheduler.kick();
        });
      },
      now: deps.clock.now,
      log: app.log,
    });
    /** A store call whose failure marks the store failing (claims write leases). */
    const watched = <T>(work: Promise<T>): Promise<T> =>
      work.catch((error: unknown) => {
        storeHealth.reportFailure(error);
        throw error;
      });
    const inbox = new DueLoop({
      name: "inbox",
      claim: (now, limit, quota) =>
        watched(
          claimInbox(deps.store, {
            now,
            owner: deps.owner,
            leaseMs: 60_000,
            limit,
            ...(quota ? { perInstallation: quota } : {}),
          }),
        ),
      next: () => nextInboxAt(deps.store),
      process: (row) =>
        dispatchDelivery(row, { ...deps, auth, self, log: app.log, kickScheduler: () => scheduler.kick() }),
      now: deps.clock.now,
      maxSleepMs: 5_000,
      batch: 32,
      // GitHub throttling is per installation: many issues of different customers go in parallel.
      // A slot is refilled as soon as it frees, and one installation holds at most 4 of the 16, so
      // one whose GitHub calls hang (until their timeout) never delays another installation's intake.
      concurrency: 16,
      perGroup: INSTALLATION_SHARE,
      groupOf: (row) => row.installation_id ?? 0,
      keyOf: (row) => row.delivery_id,
      log: app.log,
    });
    const scheduler = createScheduler({ ...deps, auth, self, log: app.log }, watched);
    let reconcileTimer: NodeJS.Timeout | undefined;
    // Reconciliation and weekly reports: failures are logged with describeError (status, method,
    // path, message), never as the error object, which carries request and response bodies.
    const runReconcile = async () => {
      try {
        const result = await reconcile(app, deps);
        if (result && result.queued > 0) {
          app.log.info(result, "reconciliation queued issues missed while the app was down");
          inbox.kick();
        }
      } catch (error) {
        app.log.warn({ error: describeError(error) }, "reconciliation failed; it runs again later");
      }
    };
    // Issue 13: which repo claims which PagerDuty service and Slack channel, rebuilt from every
    // config after each reconciliation run of the server.
    const runChannelIndex = async () => {
      if (!deps.channelsEnabled) return;
      try {
        await rebuildChannelIndex(app, deps);
      } catch (error) {
        app.log.warn({ error: describeError(error) }, "channel index rebuild failed; it runs again later");
      }
    };
    const runWeekly = async () => {
      try {
        const posted = await postWeeklyReports(app, deps);
        if (posted.length > 0) app.log.info({ repos: posted }, "weekly SLA reports posted");
      } catch (error) {
        app.log.warn({ error: describeError(error) }, "weekly reports failed; they are tried again later");
      }
    };
    /** See Runtime.accept. */
    const accept: Runtime["accept"] = async ({ id, name, payload }) => {
      const action = typeof payload.action === "string" ? `${name}.${payload.action}` : name;
      if ((INSTALLATION_EVENTS as readonly string[]).includes(name)) {
        const account = (payload.installation as { account?: { login?: string } | null } | undefined)
          ?.account;
        if (account?.login) deps.setups.invalidateOwner(account.login);
        return;
      }
      if (!QUEUED.has(name) && !QUEUED.has(action)) {
        deps.metrics.webhooks.inc({ event: name, outcome: "ignored" });
        return;
      }
      const installation = payload.installation as { id?: number } | undefined;
      const fresh = await watched(
        enqueueDelivery(deps.store, {
          deliveryId: id,
          event: name,
          installationId: installation?.id ?? 0,
          payload,
          now: deps.clock.now(),
        }),
      );
      deps.metrics.webhooks.inc({ event: name, outcome: fresh ? "queued" : "duplicate" });
      if (!fresh) {
        app.log.info(
          { delivery: id, event: name, ...payloadSubject(payload) },
          "delivery already received: ignored",
        );
      }
      inbox.kick();
    };

    const runtime: Runtime = {
      inbox,
      scheduler,
      reconcile: runReconcile,
      weeklyReports: runWeekly,
      accept,
      storeHealth,
      async stop() {
        storeHealth.stop();
        if (reconcileTimer) clearInterval(reconcileTimer);
        await Promise.all([inbox.stop(), scheduler.stop()]);
      },
    };

    // Deliveries given to Probot directly (probot.receive) take the same path as the HTTP endpoint.
    app.on([...QUEUED_EVENTS, ...INSTALLATION_EVENTS], async (context: Context) => {
      await accept({
        id: context.id,
        name: context.name,
        payload: context.payload as Record<string, unknown>,
      });
    });

    try {
      options?.addHandler((req: IncomingMessage, res: ServerResponse) =>
        serveRuntime(req, res, deps, runtime),
      );
    } catch {
      // Loaded without an HTTP server (tests that call probot.receive): no /healthz or /metrics to serve.
    }
    if (deps.autostart) {
      inbox.start();
      scheduler.start();
      // The timer only triggers it: what was reconciled, and which replica does it, lives in the store.
      void runReconcile().then(runChannelIndex);
      reconcileTimer = setInterval(
        () => void runReconcile().then(runWeekly).then(runChannelIndex),
        RECONCILE_EVERY_MS,
      );
      reconcileTimer.unref();
    }
    onReady?.(runtime);
  };
}

/** `GET /healthz` and `GET /metrics`; anything else goes on to Probot's own routes. */
async function serveRuntime(
  req: IncomingMessage,
  res: ServerResponse,
  deps: AppDeps,
  runtime: Runtime,
): Promise<boolean> {
  const path = (req.url ?? "").split("?")[0];
  if (req.method !== "GET" || (path !== "/healthz" && path !== "/metrics")) return false;
  if (path === "/metrics") {
    try {
      const text = await deps.metrics.render(
        () => countByState(deps.store),
        () => countTimersByState(deps.store),
        () => countQueuedComments(deps.store),
      );
      res.writeHead(200, { "content-type": deps.metrics.registry.contentType }).end(text);
    } catch (error) {
      res.writeHead(503, { "content-type": "text/plain" }).end(`metrics unavailable: ${String(error)}\n`);
    }
    return true;
  }
  const now = deps.clock.now();
  let database = "ok";
  try {
    await nextDueAt(deps.store);
    // Reads are not enough: a full disk still reads. The probe writes a heartbeat row.
    const writes = await runtime.storeHealth.check();
    if (!writes.writable) database = `not writable: ${writes.error}`;
  } catch (error) {
    database = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
  // A loop that has not finished a pass in two minutes is stuck (its longest sleep is 30 s).
  const alive = (at: number) => (deps.autostart ? now - at < 120_000 : true);
  const body = {
    status:
      database === "ok" && alive(runtime.scheduler.lastPassAt) && alive(runtime.inbox.lastPassAt)
        ? "ok"
        : "unhealthy",
    database,
    scheduler: {
      lastPassAt: new Date(runtime.scheduler.lastPassAt).toISOString(),
      inFlight: runtime.scheduler.busy,
    },
    inbox: { lastPassAt: new Date(runtime.inbox.lastPassAt).toISOString(), inFlight: runtime.inbox.busy },
  };
  res
    .writeHead(body.status === "ok" ? 200 : 503, { "content-type": "application/json" })
    .end(`${JSON.stringify(body)}\n`);
  return true;
}
