// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected messages quote ${NAME} references literally
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../helpers/cli.js';

/**
 * The corpus of invalid inputs: each file under test/fixtures/config/invalid/ is run through the built
 * CLI (`node dist/cli.js validate FILE`), as a user would, and must exit 1 with exactly these
 * `FILE:LINE:COL: message` lines on stderr ({file} stands for the fixture's own path).
 */
const DIR = 'test/fixtures/config/invalid';

const CORPUS: Array<[string, string[]]> = [
  [
    'action-invalid.yaml',
    [
      "7:32: invalid action 'create' at subscriptions[0].event_filters[1]: allowed values are created, updated, deleted, * (did you mean 'created'?)",
    ],
  ],
  [
    'alias-bomb.yaml',
    ['2:8: YAML aliases expand this document to more than 200000 values; refusing a possible alias bomb'],
  ],
  ['alias-cycle.yaml', ["5:20: alias '*s' is inside the node it refers to; such a cycle has no end"]],
  ['alias-unknown.yaml', ["5:20: unknown alias '*filters': an anchor '&filters' must come before it"]],
  ['binary-junk.yaml', ['2:1: control character U+0000 is not allowed (is this a binary file?)']],
  [
    'bom-with-error.yaml',
    [
      "1:1: missing required key 'subscriptions'",
      "2:1: unknown key 'subscription': allowed keys are workspace_id, prune, ignore, token_env, subscriptions (did you mean 'subscriptions'?)",
    ],
  ],
  ['complex-key.yaml', ['2:3: a key must be a plain value such as `name`, not a list, mapping or alias']],
  [
    'declared-and-ignored.yaml',
    [
      "7:18: description 'Manual: billing' matches ignore pattern 'Manual: *' of workspace 1234567 (at {file}:2:9); a subscription is either managed or ignored",
    ],
  ],
  ['deep-nesting-block.yaml', ['3:67: nesting is too deep (more than 32 levels)']],
  ['deep-nesting-flow.yaml', ['2:48: nesting is too deep (more than 32 levels)']],
  ['description-empty.yaml', ['3:18: subscriptions[0].description must not be empty']],
  ['description-number.yaml', ['3:18: subscriptions[0].description must be a string, got 2024 (quote it)']],
  [
    'description-twice-across-documents.yaml',
    [
      "15:18: description 'Slack: new projects' is declared twice for workspace 1234567 (first at {file}:3:18)",
    ],
  ],
  [
    'description-twice.yaml',
    [
      "6:18: description 'Slack: new projects' is declared twice for workspace 1234567 (first at {file}:3:18)",
    ],
  ],
  [
    'description-whitespace.yaml',
    ['3:18: subscriptions[0].description must not be empty or only whitespace'],
  ],
  [
    'document-is-a-list.yaml',
    ['1:1: a subscriptions document must be a mapping with workspace_id and subscriptions, got a list'],
  ],
  [
    'document-is-a-string.yaml',
    [
      "1:1: a subscriptions document must be a mapping with workspace_id and subscriptions, got 'workspace 1234567'",
    ],
  ],
  ['duplicate-key.yaml', ["6:5: duplicate key 'description' (first at line 3, column 5)"]],
  ['enabled-empty.yaml', ['5:5: subscriptions[0].enabled must be true or false, got an empty value']],
  ['enabled-string.yaml', ["5:14: subscriptions[0].enabled must be true or false, got 'false'"]],
  [
    'entity-bad-characters.yaml',
    [
      "6:19: invalid entity 'time-entry' at subscriptions[0].event_filters[0]: allowed values are client, project, project_group, project_user, tag, task, time_entry, workspace, workspace_user, * (did you mean 'time_entry'?)",
    ],
  ],
  [
    'entity-invalid.yaml',
    [
      "6:17: invalid entity 'projects' at subscriptions[0].event_filters[0]: allowed values are client, project, project_group, project_user, tag, task, time_entry, workspace, workspace_user, * (did you mean 'project'?)",
    ],
  ],
  ['event-filters-empty.yaml', ['5:20: subscriptions[0].event_filters must list at least one event filter']],
  [
    'filter-duplicate.yaml',
    [
      '8:9: duplicate event filter {entity: project, action: created} at subscriptions[0].event_filters[2]: already listed at subscriptions[0].event_filters[0]',
    ],
  ],
  ['filter-missing-action.yaml', ["6:9: missing required key 'action' at subscriptions[0].event_filters[0]"]],
  [
    'filter-unknown-key.yaml',
    ["6:45: unknown key 'when' at subscriptions[0].event_filters[0]: allowed keys are entity, action"],
  ],
  [
    'ignore-disagreement.yaml',
    [
      '10:9: ignore for workspace 1234567 differs from the ignore at {file}:2:9 (set it once, or the same everywhere)',
    ],
  ],
  ['ignore-empty-pattern.yaml', ['2:21: ignore[1] must not be empty']],
  ['ignore-not-a-list.yaml', ["2:9: ignore must be a list, got 'Zapier*'"]],
  [
    'many-errors.yaml',
    [
      "2:8: prune must be true or false, got 'maybe'",
      '6:14: subscriptions[0].enabled must be true or false, got 1',
      "8:19: invalid entity 'projekt' at subscriptions[0].event_filters[0]: allowed values are client, project, project_group, project_user, tag, task, time_entry, workspace, workspace_user, * (did you mean 'project'?)",
      "9:32: invalid action 'removed' at subscriptions[0].event_filters[1]: allowed values are created, updated, deleted, *",
      '10:18: subscriptions[1].description must not be empty',
      '11:19: subscriptions[1].url_callback must be an http:// or https:// URL without spaces (or start with a ${NAME} reference)',
      '12:20: subscriptions[1].event_filters must list at least one event filter',
      "13:18: description 'Slack: new projects' is declared twice for workspace 1234567 (first at {file}:4:18)",
      "15:21: missing required key 'action' at subscriptions[2].event_filters[0]",
    ],
  ],
  [
    'merge-key.yaml',
    [
      "7:5: YAML merge keys ('<<') are not supported at subscriptions[1]: write the keys out, or share a whole node with an alias",
      "7:5: missing required keys 'url_callback' and 'event_filters' at subscriptions[1]",
    ],
  ],
  [
    'missing-several-keys.yaml',
    [
      "3:5: missing required keys 'url_callback' and 'event_filters' at subscriptions[0]",
      "4:5: missing required keys 'description' and 'event_filters' at subscriptions[1]",
    ],
  ],
  ['missing-subscriptions.yaml', ["1:1: missing required key 'subscriptions'"]],
  ['missing-url-callback.yaml', ["3:5: missing required key 'url_callback' at subscriptions[0]"]],
  ['missing-workspace-id.yaml', ["1:1: missing required key 'workspace_id'"]],
  ['not-utf8.yaml', ['3:22: not valid UTF-8 (byte 0xe9); save the file as UTF-8']],
  [
    'prune-disagreement.yaml',
    [
      '9:8: prune: false disagrees with prune: true for workspace 1234567 at {file}:2:8 (set it once, or the same everywhere)',
    ],
  ],
  ['prune-yes.yaml', ["2:8: prune must be true or false, got 'yes'"]],
  [
    'secret-empty-after-expansion.yaml',
    [
      '5:13: subscriptions[0].secret is empty after expanding ${TWS_TEST_EMPTY}; Toggl refuses an empty secret',
    ],
  ],
  ['secret-empty.yaml', ['5:13: subscriptions[0].secret must not be empty']],
  ['subscriptions-empty-value.yaml', ['2:1: subscriptions must be a list, got an empty value']],
  ['subscriptions-mapping.yaml', ['3:3: subscriptions must be a list, got a mapping']],
  [
    'syntax-unclosed-flow.yaml',
    [
      "5:20: invalid YAML: the '[' opened here is never closed (the parser stopped at 6:1: flow sequence in block collection must be sufficiently indented and end with a ])",
    ],
  ],
  [
    'syntax-unclosed-quote.yaml',
    [
      '3:18: invalid YAML: the "..." quote opened here is never closed (the parser stopped at 5:1: missing closing "quote)',
    ],
  ],
  ['tab-indentation.yaml', ['3:1: invalid YAML: tabs are not allowed as indentation']],
  [
    'tag-binary.yaml',
    ["5:13: unsupported YAML tag '!!binary' (only plain values, lists and mappings are allowed)"],
  ],
  [
    'tag-custom.yaml',
    ["5:13: unsupported YAML tag '!vault' (only plain values, lists and mappings are allowed)"],
  ],
  [
    'unknown-subscription-key.yaml',
    [
      "3:5: missing required key 'event_filters' at subscriptions[0]",
      "5:5: unknown key 'event_filter' at subscriptions[0]: allowed keys are description, url_callback, enabled, secret, event_filters (did you mean 'event_filters'?)",
    ],
  ],
  [
    'unknown-top-key.yaml',
    [
      "2:1: unknown key 'prunee': allowed keys are workspace_id, prune, ignore, token_env, subscriptions (did you mean 'prune'?)",
    ],
  ],
  [
    'url-ftp.yaml',
    [
      '4:19: subscriptions[0].url_callback must be an http:// or https:// URL without spaces (or start with a ${NAME} reference)',
    ],
  ],
  [
    'url-invalid-after-expansion.yaml',
    [
      '4:19: subscriptions[0].url_callback is not a valid http:// or https:// URL after expanding ${TWS_TEST_NOT_A_URL}',
    ],
  ],
  ['url-without-host.yaml', ['4:19: subscriptions[0].url_callback is not a valid http:// or https:// URL']],
  [
    'variable-invalid-reference.yaml',
    [
      '4:57: invalid variable reference in subscriptions[0].url_callback: write ${NAME} with letters, digits and _ (or $${ for a literal ${)',
    ],
  ],
  [
    'variable-unset.yaml',
    [
      '4:57: environment variable TWS_TEST_UNSET_TOKEN is not set (referenced in subscriptions[0].url_callback)',
      '5:14: environment variable TWS_TEST_UNSET_SECRET is not set (referenced in subscriptions[0].secret)',
    ],
  ],
  ['workspace-id-fraction.yaml', ['1:15: workspace_id must be a positive integer, got 12.5']],
  [
    'workspace-id-huge.yaml',
    ['1:15: workspace_id is too large: it must be at most 9007199254740991, got 99999999999999999999'],
  ],
  ['workspace-id-negative.yaml', ['1:15: workspace_id must be a positive integer, got -5']],
  ['workspace-id-string.yaml', ["1:15: workspace_id must be a positive integer, got '1234567'"]],
  ['workspace-id-zero.yaml', ['1:15: workspace_id must be a positive integer, got 0']],
];

// The variables some fixtures reference; everything else is unset in the child's environment.
const ENV = { TWS_TEST_NOT_A_URL: 'not a url', TWS_TEST_EMPTY: '' };

beforeAll(() => assertBuilt());

describe('validate: invalid inputs', () => {
  it('has a table entry for every fixture, and at least 30', () => {
    const files = readdirSync(DIR).sort();
    expect(CORPUS.map(([name]) => name).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.concurrent.each(CORPUS)('%s', async (name, expected) => {
    const file = `${DIR}/${name}`;
    const result = await runCli(['validate', file], { env: ENV });
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((l) => l !== '')).toEqual(
      expected.map((line) => `${file}:${line.replaceAll('{file}', file)}`),
    );
    expect(result.code).toBe(1);
  });
});
