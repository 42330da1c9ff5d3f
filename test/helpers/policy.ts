import type { Policy } from "../../src/domain/policy.js";

const HOUR = 3_600_000;
const OFFICE = [{ start: 540, end: 1020 }];

/**
 * The default policy of PRODUCT.md, written out literally so that intake tests do not depend on
 * the config loader. Each call returns a fresh object: tests may change it.
 */
export function testPolicy(): Policy {
  return {
    calendar: {
      timezone: "Europe/Brussels",
      week: {
        monday: OFFICE,
        tuesday: OFFICE,
        wednesday: OFFICE,
        thursday: OFFICE,
        friday: OFFICE,
        saturday: [],
        sunday: [],
      },
      holidays: [],
    },
    priorities: [
      {
        key: "production-down",
        name: "Production down",
        label: "priority: production down",
        response: { kind: "duration", ms: HOUR / 2 },
        clock: "calendar",
        nextReply: null,
        resolution: null,
        updates: { kind: "duration", ms: HOUR / 2 },
        types: ["problem"],
        page: true,
        color: "b60205",
        description: "Production down or badly hampered for many end users; on-call is paged 24/7",
      },
      {
        key: "urgent",
        name: "Urgent",
        label: "priority: urgent",
        response: { kind: "duration", ms: HOUR },
        clock: "business",
        nextReply: null,
        resolution: null,
        updates: null,
        types: null,
        page: true,
        color: "d93f0b",
        description: "Blocking work or affecting end users",
      },
      {
        key: "normal",
        name: "Normal",
        label: "priority: normal",
        response: { kind: "next-business-day" },
        clock: "business",
        nextReply: null,
        resolution: null,
        updates: null,
        types: null,
        page: false,
        color: "fbca04",
        description: "Handled in the regular flow",
      },
    ],
    types: [
      type("add-remove-user", "Add/remove user", "type: add/remove user", "Grant or revoke someone's access"),
      type(
        "change-request",
        "Change request",
        "type: change request",
        "Change to the customer's environment",
      ),
      type("guidance", "Guidance & usage support", "type: guidance", "Questions, guidance and explanations"),
      type("on-call", "On-call", "type: on-call", "Messages received during on-call"),
      type(
        "problem",
        "Problem / troubleshooting",
        "type: problem",
        "Something is broken; troubleshooting needed",
      ),
      type("other", "Other", "type: other", "Anything else"),
    ],
    defaultPriority: "normal",
    defaultType: "other",
    team: { associations: ["OWNER", "MEMBER", "COLLABORATOR"], users: [], teams: [], ignore: [] },
    escalation: { warnAt: 0.8, mention: [], phone: null, chat: null, levels: null },
    labels: {
      incomplete: "intake: incomplete",
      atRisk: "sla: at risk",
      breached: "sla: breached",
      waiting: "status: waiting for customer",
      resolved: null,
    },
    postMortem: {
      priorities: ["production-down"],
      dueMs: 72 * 3_600_000,
      requiredLabel: "post-mortem: required",
      doneLabel: "post-mortem: done",
      repeatMs: 24 * 3_600_000,
    },
    report: { weekly: false },
  };
}

function type(key: string, name: string, label: string, description: string): Policy["types"][number] {
  return { key, name, label, form: `${key}.yml`, color: "ededed", description };
}
