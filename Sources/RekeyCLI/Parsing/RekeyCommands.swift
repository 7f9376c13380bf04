import RekeyCore

/// The declarations of every `rekey` command: names, arguments and help text.
///
/// Help is part of the product: it is written for an on-call engineer reading it at 3 a.m., so it says what
/// a command changes, what it never changes, and what to run next.
public enum RekeyCommands {
    /// The tool's name, as typed.
    public static let toolName = "rekey"

    /// The version printed by `rekey --version`.
    public static let version = "0.1.0"

    /// The root command, with every subcommand and the `exit-codes` help topic.
    public static let root = CommandSpec(
        toolName,
        abstract: "Rotate Inngest signing and event keys as a guided, resumable checklist.",
        discussion: [
            "rekey runs a key rotation one step at a time. Each step reads the platform, acts (through the "
                + "platform's API, or by telling you exactly what to do and waiting), checks the result, and "
                + "records it in a journal on disk before and after every change. Stop it at any moment (Ctrl-C, "
                + "a crash, a closed laptop, the end of a CI job) and 'rekey resume JOURNAL' continues without "
                + "repeating or losing anything. The journal never holds a secret.",
            stepList,
            "Exit codes:\n" + ExitCode.summaryLines.joined(separator: "\n")
                + "\n'rekey help exit-codes' says what to do next for each.",
        ],
        subcommands: [
            plan, run, resume, status, explain, gate, approve, override, abort, log, reveal, sandbox, demo, help,
        ],
        examples: [
            UsageExample("See a whole rotation against a throwaway sandbox first:", "rekey demo"),
            UsageExample(
                "Preview a rotation, freeze the plan for review, then run exactly that plan:",
                "rekey plan Playbooks/inngest-cloud.json --out plan.json\n"
                    + "rekey run plan.json --journal rotation.jsonl"
            ),
            UsageExample("Where does it stand, and what happens next?", "rekey status rotation.jsonl"),
            UsageExample("Continue after Ctrl-C, a crash, a failed step or a pause:", "rekey resume rotation.jsonl"),
        ],
        helpTopics: [
            HelpTopic("exit-codes", abstract: "What each exit code means and what to do next.") { width in
                ExitCode.helpTable(width: width)
            }
        ],
        version: version
    )

    /// A parser for `rekey`'s command line.
    public static var parser: ArgumentParser { ArgumentParser(root: root) }

    // MARK: - Shared arguments

    private static let journalArgument = ArgumentSpec.positional(
        "journal",
        help: "The rotation's journal file (written by 'rekey run'; the path it printed when it started)."
    )

    private static let untilOption = ArgumentSpec.option(
        "until",
        value: "step",
        help: "Run the steps before this one, then stop and exit 0; continue later with 'rekey resume'. Useful to "
            + "split a rotation across CI jobs (for example --until confirm-redeploy, then deploy, then resume)."
    )

    private static let approveOption = ArgumentSpec.option(
        "approve",
        value: "step",
        help: "Approve this step in advance, so it runs without asking (a gate, or rotate-signing-key, the point "
            + "of no return). Repeat for several steps. Recorded in the journal with your name.",
        repeatable: true
    )

    private static let planHashOption = ArgumentSpec.option(
        "plan-hash",
        value: "hash",
        help: "Go ahead only if the rotation's plan has this hash (in full, or its first 12 or more characters, as "
            + "'rekey plan' printed it), so that --approve approves exactly the plan that was reviewed. Another plan "
            + "exits 65 and changes nothing."
    )

    private static let approverOption = ArgumentSpec.option(
        "by",
        value: "name",
        help: "Who approves with --approve, as recorded in the journal. Default: the CI actor (GITHUB_ACTOR, "
            + "GITLAB_USER_LOGIN, BUILDKITE_BUILD_CREATOR), else your user name."
    )

    private static let sealKeyFileOption = ArgumentSpec.option(
        "seal-key-file",
        value: "file",
        help: "The seal key, for platforms that show a new secret only once: rekey keeps such a secret sealed "
            + "(AES-256-GCM) in the journal until every app holds it. The file holds base64 of 32 random bytes "
            + "('openssl rand -base64 32') and must be readable by you only (mode 0600). Default: the "
            + "REKEY_SEAL_KEY environment variable. Use the same key for the whole rotation."
    )

    private static let nonInteractiveFlag = ArgumentSpec.flag(
        "non-interactive",
        help: "Never prompt. Where a person must act or approve, pause and exit 3, printing the command that "
            + "continues. Implied when standard input is not a terminal."
    )

    private static let noWaitFlag = ArgumentSpec.flag(
        "no-wait",
        help: "Don't wait for redeploys or for a person: check once, and if an app isn't confirmed yet, pause and "
            + "exit 3 with the command that continues (instead of polling up to the playbook's confirmRedeploy "
            + "timeout). For CI jobs that deploy in between."
    )

    private static let overrideOption = ArgumentSpec.option(
        "override",
        value: "check",
        help: "Go on although the safety check CHECK failed (as the failure named it, e.g. "
            + "confirm-redeploy/billing or rotate-signing-key/signing-key), because you know why it is safe. Needs "
            + "--reason; journaled with your name. Only a check that failed can be overridden. Repeatable.",
        repeatable: true
    )

    private static let reasonOption = ArgumentSpec.option(
        "reason",
        value: "text",
        help: "Why it is safe to go on despite the failed check (--override), recorded in the journal and shown by "
            + "'rekey status', 'explain' and 'log'."
    )

    private static let jsonProgressFlag = ArgumentSpec.flag(
        "json",
        help: "Print progress as JSON Lines on standard output, for CI: one event per line, schema "
            + "rekey.events/v1 (see the README), and nothing else. Implies --non-interactive."
    )

    private static let stepList: String = {
        let rows: [(StepID, String)] = [
            (.createSigningKey, "create a new, inactive signing key"),
            (.stageSigningKeys, "apps get the new key, the old one as fallback"),
            (.createEventKeys, "a new event key per old one, same filters"),
            (.stageEventKeys, "apps get their replacement event key"),
            (.confirmRedeploy, "gate: every app runs with the new values"),
            (.rotateSigningKey, "promote the new key; the old one is deleted\n(POINT OF NO RETURN)"),
            (.resyncApps, "resync every app and check each sync"),
            (.deleteOldEventKeys, "delete the replaced event keys"),
            (.dropFallback, "remove INNGEST_SIGNING_KEY_FALLBACK from every app"),
        ]
        precondition(rows.map(\.0) == StepID.inngestProcedure, "the step list must follow the procedure")
        let textColumn = 29
        let lines = rows.enumerated().map { index, row in
            let head = "  \(index + 1). " + row.0.rawValue
            let text = row.1.split(separator: "\n").joined(separator: "\n" + String(repeating: " ", count: textColumn))
            return head + String(repeating: " ", count: max(2, textColumn - head.count)) + text
        }
        return "The Inngest rotation, in order (a playbook may select a subset):\n" + lines.joined(separator: "\n")
            + "\nBefore step 6, 'rekey abort JOURNAL' undoes everything. Step 6 asks you to type the environment's "
            + "name, unless approved with --approve."
    }()

    // MARK: - Rotation

    /// `rekey plan PLAYBOOK [--out PLAN] [--json]`
    public static let plan = CommandSpec(
        "plan",
        abstract: "Preview a rotation from the platform's live state, without changing anything.",
        discussion: [
            "plan only reads. It shows which keys exist, which will be created (with their event and IP filters "
                + "copied), which apps get which variables, the exact API calls, and where the point of no return "
                + "is.",
            "Freeze the preview with --out and give the plan file to 'rekey run': the run executes exactly what "
                + "was reviewed, and approvals are bound to the plan's hash.",
        ],
        arguments: [
            .positional("playbook", help: "The playbook (JSON): platform, environment, apps and options."),
            .option("out", value: "plan", help: "Also write the frozen plan to this file, for review and 'rekey run'."),
            .flag(
                "json",
                help: "Print the plan as one line of JSON instead of text "
                    + "({\"schema\": \"rekey.plan/v1\", \"plan\": …}); 'rekey run' accepts that output as a plan file too."
            ),
        ],
        examples: [
            UsageExample("Review a rotation:", "rekey plan Playbooks/inngest-cloud.json"),
            UsageExample("Freeze it for review:", "rekey plan Playbooks/inngest-cloud.json --out plan.json"),
        ]
    )

    /// `rekey run PLAYBOOK|PLAN [--journal FILE] [--until STEP] [--approve STEP]... [--non-interactive] [--json]
    /// [--force]`
    public static let run = CommandSpec(
        "run",
        abstract: "Start a rotation from a playbook or a frozen plan.",
        discussion: [
            "run builds the plan (or reads the frozen one), writes it as the first record of a new journal, "
                + "then executes the steps in order. It waits where a person must act (redeploying apps), and "
                + "asks you to type the environment's name before the point of no return (rotate-signing-key).",
            "Keep the journal: it is how 'rekey resume', 'status', 'gate', 'approve' and 'abort' find the "
                + "rotation. If anything stops the run, 'rekey resume JOURNAL' continues it; never start a second "
                + "run for the same environment.",
        ],
        arguments: [
            .positional("playbook-or-plan", help: "A playbook (JSON), or a plan frozen by 'rekey plan --out'."),
            .option(
                "journal", value: "file",
                help: "Where to write the journal. Without it, rekey picks a file name and prints it at start."
            ),
            untilOption,
            approveOption,
            planHashOption,
            approverOption,
            sealKeyFileOption,
            nonInteractiveFlag,
            jsonProgressFlag,
            noWaitFlag,
            .flag(
                "force",
                help: "Start even though an earlier rotation of this environment is unfinished (its journal is in "
                    + "the playbook's .rekey/ directory), or the platform already has an inactive signing key, which "
                    + "then becomes this rotation's new key. To continue an unfinished rotation, use 'rekey resume'."
            ),
        ],
        examples: [
            UsageExample(
                "Run a reviewed plan interactively:", "rekey run plan.json --journal rotation.jsonl"
            ),
            UsageExample(
                "CI: stage the new keys, then stop:",
                "rekey run plan.json --journal rotation.jsonl --until confirm-redeploy \\\n"
                    + "    --non-interactive --json"
            ),
        ]
    )

    /// `rekey resume JOURNAL [--until STEP] [--approve STEP]... [--non-interactive] [--json]`
    public static let resume = CommandSpec(
        "resume",
        abstract: "Continue a rotation from its journal.",
        discussion: [
            "Use it after Ctrl-C, a crash, a failed step (once its cause is fixed), or a pause at a gate or "
                + "approval. A step that was interrupted half-way starts again by reading the platform, so "
                + "nothing is done twice. Resuming a finished rotation changes nothing."
        ],
        arguments: [
            journalArgument, untilOption, approveOption, planHashOption, approverOption, overrideOption, reasonOption,
            sealKeyFileOption, nonInteractiveFlag, noWaitFlag, jsonProgressFlag,
        ],
        examples: [
            UsageExample("Continue where it stopped:", "rekey resume rotation.jsonl"),
            UsageExample(
                "Go on although a check failed, because you know why it is safe (journaled):",
                "rekey resume rotation.jsonl --override confirm-redeploy/billing \\\n"
                    + "    --reason 'billing is decommissioned; its traffic is drained'"
            ),
            UsageExample(
                "CI: continue once the redeploy gate passed, approving the point of no return of the reviewed plan:",
                "rekey resume rotation.jsonl --approve rotate-signing-key --plan-hash 3bf75c718dfc \\\n"
                    + "    --non-interactive"
            ),
        ]
    )

    /// `rekey status JOURNAL [--json]`
    public static let status = CommandSpec(
        "status",
        abstract: "Show where a rotation stands and what to run next.",
        discussion: [
            "Read-only: lists every step with its state (done, running, waiting, failed, pending), what a "
                + "waiting step needs, and the command that continues."
        ],
        arguments: [
            journalArgument,
            .flag("json", help: "Print the status as one line of JSON (schema rekey.status/v1, see the README)."),
        ],
        examples: [UsageExample("Check on a rotation:", "rekey status rotation.jsonl")]
    )

    /// `rekey explain JOURNAL`
    public static let explain = CommandSpec(
        "explain",
        abstract: "Explain in plain words what happened, what happens next, and whether it can be undone.",
        discussion: [
            "Read-only. Use it when taking over a rotation someone else started, or after a failure: it tells "
                + "the story from the journal, names the step that failed and why, and says whether "
                + "'rekey abort' can still roll back."
        ],
        arguments: [journalArgument],
        examples: [UsageExample("Take over a rotation:", "rekey explain rotation.jsonl")]
    )

    /// `rekey gate JOURNAL STEP [--wait] [--timeout DUR] [--json]`
    public static let gate = CommandSpec(
        "gate",
        abstract: "Exit 0 once a step of a rotation is done, 3 while it is not: for CI jobs that depend on it.",
        discussion: [
            "Read-only: gate reads the journal, never the platform, and changes nothing. Exits 0 once STEP is "
                + "done, 3 while it is not (yet), 1 if the rotation failed or was aborted (STEP will not complete "
                + "until someone acts), 65 if the journal is damaged. A deploy job can gate on stage-event-keys "
                + "(the new keys are in the apps' configuration) before it deploys.",
            "With --wait it checks again with backoff (1s, growing to 30s) until STEP is done, the rotation fails, "
                + "or --timeout runs out, and says on standard error why it is still waiting.",
        ],
        arguments: [
            journalArgument,
            .positional("step", help: "The step to wait for, for example stage-event-keys or confirm-redeploy."),
            .flag("wait", help: "Keep checking until the step is done, the rotation fails, or --timeout runs out."),
            .option(
                "timeout", value: "duration",
                help: "How long --wait keeps checking: 90s, 10m, 1h or a number of seconds. Default: 1h."
            ),
            .flag(
                "json",
                help: "Print JSON Lines on standard output (schema rekey.events/v1): a 'waiting' event per check "
                    + "and a final 'gate' event, and nothing else."
            ),
        ],
        examples: [
            UsageExample("CI: deploy only once the new keys are staged:", "rekey gate rotation.jsonl stage-event-keys"),
            UsageExample(
                "CI: wait up to 30 minutes for the redeploy to be confirmed:",
                "rekey gate rotation.jsonl confirm-redeploy --wait --timeout 30m"
            ),
        ]
    )

    /// `rekey approve JOURNAL STEP [--by NAME] [--plan-hash HASH]`
    public static let approve = CommandSpec(
        "approve",
        abstract: "Record a person's approval of a step in the journal.",
        discussion: [
            "Approve a gate a person has checked (the apps are redeployed), or a step that needs approval such "
                + "as rotate-signing-key, the point of no return. The approval names who gave it, when, and "
                + "the plan's hash; the next 'rekey resume' acts on it."
        ],
        arguments: [
            journalArgument,
            .positional("step", help: "The step to approve, for example rotate-signing-key."),
            .option("by", value: "name", help: "Who approves, as recorded in the journal. Default: your user name."),
            .option(
                "plan-hash", value: "hash",
                help: "Approve only if the rotation's plan has this hash (as 'rekey plan' printed it), so you "
                    + "approve exactly what you reviewed."
            ),
        ],
        examples: [
            UsageExample(
                "Approve the point of no return after review:",
                "rekey approve rotation.jsonl rotate-signing-key --by alice"
            )
        ]
    )

    /// `rekey override JOURNAL CHECK --reason TEXT [--by NAME] [--yes]`
    public static let override = CommandSpec(
        "override",
        abstract: "Record an explicit override of a safety check that failed, with a reason.",
        discussion: [
            "Before every irreversible or outage-capable action (the promotion of the new signing key, the deletion "
                + "of a replaced key, removing the fallback, abort's deletions) and at the redeploy gate, rekey "
                + "reads the platform and the apps again and refuses when they no longer match what the action "
                + "needs. A refusal names its check (confirm-redeploy/billing, rotate-signing-key/signing-key). If "
                + "you know why it is safe to go on anyway, record that here: the override names the check, "
                + "carries your reason and your name, and the next 'rekey resume' goes ahead for that check only. "
                + "Only a check that failed can be overridden: an override never comes before the evidence. "
                + "On a terminal, asks you to type the environment's name first.",
            "Overrides are shown by 'rekey status', 'rekey explain', 'rekey log' and the GitHub step summary.",
        ],
        arguments: [
            journalArgument,
            .positional("check", help: "The check to override, as the refusal named it."),
            reasonOption,
            .option("by", value: "name", help: "Who overrides, as recorded in the journal. Default: your user name."),
            .flag("yes", help: "Do not ask for the typed confirmation on a terminal."),
        ],
        examples: [
            UsageExample(
                "Accept that an app can't be verified and go on:",
                "rekey override rotation.jsonl confirm-redeploy/billing --reason 'decommissioned, no traffic'\n"
                    + "rekey resume rotation.jsonl"
            )
        ]
    )

    /// `rekey abort JOURNAL [--yes] [--no-wait]`
    public static let abort = CommandSpec(
        "abort",
        abstract: "Stop a rotation and roll back what it changed, while that is still possible.",
        discussion: [
            "Before the point of no return (rotate-signing-key): puts every app's previous values back, waits "
                + "until every app runs its old keys again (redeploy them; the same checks as the redeploy gate), "
                + "and only then deletes the keys rekey created, so that no app is left with a deleted key. Then "
                + "the rotation is marked aborted. From rotate-signing-key on, the old signing key is gone: abort "
                + "refuses, and 'rekey resume' is the way forward.",
            "On a terminal it first shows what will be undone and asks you to type the environment's name; "
                + "elsewhere (CI, scripts) pass --yes. With --no-wait it checks the apps once and pauses (exit 3) "
                + "while one still runs a new key; run 'rekey abort' again after the redeploy.",
        ],
        arguments: [
            journalArgument,
            .option(
                "approve",
                value: "step",
                help: "Confirm that you restored, by hand, what a manual target of STEP was asked to get back "
                    + "(the abort paused and listed it). Repeat for several steps.",
                repeatable: true
            ),
            // Restoring an app's old API key opens the value sealed before it was overwritten.
            sealKeyFileOption,
            .flag(
                "yes",
                help: "Do not ask for the typed confirmation (for CI and scripts); required when standard input is "
                    + "not a terminal."
            ),
            .flag("non-interactive", help: "The same as --yes (kept for scripts written before --yes)."),
            noWaitFlag,
        ],
        examples: [
            UsageExample("Roll back a rotation that went wrong:", "rekey abort rotation.jsonl"),
            UsageExample("CI: roll back without a prompt:", "rekey abort rotation.jsonl --yes"),
        ]
    )

    /// `rekey reveal JOURNAL --app APP --var NAME [--seal-key-file FILE]`
    public static let reveal = CommandSpec(
        "reveal",
        abstract: "Show a value that a person must set by hand (a manual target), once, on a terminal.",
        discussion: [
            "Where an app's configuration is changed by hand (target kind 'manual'), the rotation pauses and lists "
                + "each variable to set with the fingerprint of its value, never the value. reveal shows that value: "
                + "only when standard input and output are a terminal, after you confirm, and it first records in "
                + "the journal who saw which variable of which app, and when (with the value's fingerprint, never "
                + "the value).",
            "Clear your screen and scrollback after copying the value, set it where the pause said, then continue "
                + "with 'rekey resume JOURNAL'.",
        ],
        arguments: [
            journalArgument,
            .option("app", value: "app", help: "The app, as named in the playbook (required)."),
            .option("var", value: "name", help: "The variable, for example INNGEST_SIGNING_KEY (required)."),
            sealKeyFileOption,
        ],
        examples: [
            UsageExample(
                "Show the new signing key a manual app waits for:",
                "rekey reveal rotation.jsonl --app billing --var INNGEST_SIGNING_KEY"
            )
        ]
    )

    /// `rekey log JOURNAL [--verify] [--json]`
    public static let log = CommandSpec(
        "log",
        abstract: "Print a rotation's journal, record by record.",
        discussion: [
            "Records hold key ids and fingerprints, never a secret. Every record carries the hash of the one "
                + "before it, so --verify detects records that were edited, removed or reordered."
        ],
        arguments: [
            journalArgument,
            .flag(
                "verify",
                help: "Check the hash chain of every record. Exits 65 if the journal was changed; reports a torn "
                    + "last line (a crash mid-write) separately."
            ),
            .flag("json", help: "Print the records as JSON Lines, exactly as stored."),
        ],
        examples: [UsageExample("Audit a journal:", "rekey log rotation.jsonl --verify")]
    )

    // MARK: - Sandbox and demo

    private static let platformOption = ArgumentSpec.option(
        "platform",
        value: "platform",
        help: "Which platform the sandbox emulates: inngest (Inngest Cloud), eventnerds (EventNerds API keys), "
            + "inngest-self-hosted (a self-hosted Inngest server, its configuration and restart command) or plugin "
            + "(a platform behind the example exec plugin). Default: inngest."
    )

    private static let sandboxDirectory = ArgumentSpec.positional(
        "dir", help: "The sandbox directory (created by 'rekey sandbox init')."
    )

    /// `rekey sandbox init|show|redeploy|serve`
    public static let sandbox = CommandSpec(
        "sandbox",
        abstract: "A local emulator of the platform, to try rekey without touching a real environment.",
        discussion: [
            "A sandbox is a directory holding a fake environment (signing keys, event keys with filters, apps "
                + "with dotenv files) and a playbook that points at it. Every rekey command works against it."
        ],
        subcommands: [sandboxInit, sandboxShow, sandboxRedeploy, sandboxServe],
        examples: [
            UsageExample(
                "Rotate keys in a sandbox:",
                "rekey sandbox init sandbox\nrekey run sandbox/playbook.json --journal sandbox/rotation.jsonl"
            )
        ]
    )

    /// `rekey sandbox init DIR [--apps N] [--event-keys M] [--manual-redeploy]`
    public static let sandboxInit = CommandSpec(
        "init",
        abstract: "Create a sandbox: a fake environment, apps with dotenv files, and a playbook.",
        arguments: [
            .positional("dir", help: "The directory to create the sandbox in."),
            .option("apps", value: "n", help: "How many apps to create.", defaultValue: "3"),
            .option(
                "event-keys", value: "m",
                help: "How many event keys to create (API keys for eventnerds and plugin).", defaultValue: "2"),
            platformOption,
            .flag(
                "manual-redeploy",
                help: "Apps do not pick up new values by themselves: the confirm-redeploy gate waits until you "
                    + "run 'rekey sandbox redeploy'."
            ),
        ],
        examples: [
            UsageExample("Five apps, redeployed by hand:", "rekey sandbox init sandbox --apps 5 --manual-redeploy"),
            UsageExample("An EventNerds account instead:", "rekey sandbox init sandbox --platform eventnerds"),
        ]
    )

    /// `rekey sandbox show DIR [--json]`
    public static let sandboxShow = CommandSpec(
        "show",
        abstract: "Show a sandbox's keys and the values each app is running with.",
        arguments: [sandboxDirectory, .flag("json", help: "Print the sandbox's state as JSON.")]
    )

    /// `rekey sandbox redeploy DIR [APP]...`
    public static let sandboxRedeploy = CommandSpec(
        "redeploy",
        abstract: "Redeploy sandbox apps so they run with their current dotenv values.",
        arguments: [
            sandboxDirectory,
            .positional("app", help: "The apps to redeploy (default: every app).", optional: true, repeating: true),
        ],
        examples: [UsageExample("Redeploy every app:", "rekey sandbox redeploy sandbox")]
    )

    /// `rekey sandbox serve DIR [--port N]`
    public static let sandboxServe = CommandSpec(
        "serve",
        abstract: "Serve a sandbox over HTTP on 127.0.0.1, with the real platform's API.",
        discussion: [
            "Runs until Ctrl-C. Point a playbook's platform URL at the printed address to exercise the HTTP "
                + "backends end to end.",
            "It speaks Inngest's wire protocol: REST v2 (/v2/keys/signing, /v2/keys/events, /v2/apps, "
                + "/v2/apps/ID/syncs), the dashboard's GraphQL operations (/gql) and the SDKs' /fn/register. The "
                + "REST API takes the sandbox's apiKey (or a signing key) as Bearer, GraphQL its sessionToken; both "
                + "are made on first start and kept in the state file. An app with a 'url' in the state file is a "
                + "real process: a resync sends it a PUT and its SDK registers with its own signing key.",
        ],
        arguments: [
            sandboxDirectory,
            .option("port", value: "n", help: "The port to listen on. Default: a free port, printed at start."),
        ],
        examples: [
            UsageExample(
                "Serve a sandbox, then plan against it:",
                "rekey sandbox serve sandbox --port 8288 &\nrekey plan Playbooks/inngest-local.json"
            )
        ]
    )

    /// `rekey demo [--dir DIR] [--keep]`
    public static let demo = CommandSpec(
        "demo",
        abstract: "Run a complete rotation against a throwaway sandbox, to see what rekey does.",
        discussion: [
            "Creates a sandbox (an Inngest-like environment with apps reading dotenv files), runs the rotation "
                + "up to confirm-redeploy, stops as a closed laptop or a CI job boundary would, shows the status, "
                + "then resumes it to the end, approving the point of no return as the operator. The output is the "
                + "same as a real rotation's. No network, no credentials; nothing outside the sandbox directory is "
                + "touched. The sandbox (with its journal) is kept so you can look at it, unless --clean is given."
        ],
        arguments: [
            .option("dir", value: "dir", help: "Where to create the sandbox. Default: a new temporary directory."),
            .flag("clean", help: "Remove the sandbox directory afterwards."),
            platformOption,
        ],
        examples: [
            UsageExample(
                "Watch a rotation, then look at its journal:",
                "rekey demo --dir demo\nrekey log demo/rotation.jsonl --verify")
        ]
    )

    /// `rekey help [COMMAND] [SUBCOMMAND]`, handled by ``ArgumentParser`` itself.
    public static let help = CommandSpec(
        "help",
        abstract: "Show help for a command, or a help topic such as exit-codes.",
        arguments: [
            .positional("command", help: "The command, or a help topic (exit-codes).", optional: true),
            .positional("subcommand", help: "The subcommand, for 'sandbox'.", optional: true),
        ],
        examples: [
            UsageExample("Help for a subcommand:", "rekey help sandbox init"),
            UsageExample("What each exit code means:", "rekey help exit-codes"),
        ]
    )
}
