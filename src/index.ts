import type { ApplicationFunction, Context, Probot } from "probot";
import { type AppDeps, CalendarCache } from "./handlers/deps.js";
import { type IntakeTrigger, relabelTrigger, runIntake } from "./handlers/intake.js";
import { handlePush } from "./handlers/push.js";
import { isDeliveryHandled, markDeliveryHandled } from "./store/intake-store.js";

type IssuesEvent = Context<"issues.opened" | "issues.edited" | "issues.reopened" | "issues.labeled">;

/** Event wiring only: guards and domain work live in handlers/. */
export function createApp(deps: AppDeps): ApplicationFunction {
  return (app: Probot) => {
    const intake = (context: IssuesEvent, trigger: (c: IssuesEvent) => Promise<IntakeTrigger | null>) => {
      const { issue, repository } = context.payload;
      const key = `${repository.full_name.toLowerCase()}#${issue.number}`;
      return deps.issueLocks.run(key, async () => {
        if (await isDeliveryHandled(deps.store, context.id)) {
          context.log.info({ delivery: context.id }, "delivery already handled");
          return;
        }
        const t = await trigger(context);
        if (t) await runIntake(context, deps, t);
        await markDeliveryHandled(deps.store, context.id, context.name, deps.clock.now());
      });
    };

    app.on(["issues.opened", "issues.reopened"], (context) =>
      intake(context, async (c) => ({ kind: c.payload.action === "opened" ? "opened" : "reopened" })),
    );
    app.on("issues.edited", (context) => {
      if (!context.payload.changes.body) {
        context.log.debug("edit does not change the body");
        return;
      }
      return intake(context, async () => ({ kind: "edited" }));
    });
    app.on("issues.labeled", (context) =>
      intake(context, async (c) => {
        const { policy } = await deps.setups.get(c.octokit, c.repo());
        return relabelTrigger(c as Context<"issues.labeled">, policy);
      }),
    );
    app.on("push", (context) => handlePush(context, deps));
  };
}

export { CalendarCache };
