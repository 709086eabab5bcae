import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * SARIF 2.1.0 (OASIS), the format code-scanning views (GitHub, GitLab, Azure DevOps, VS Code's
 * viewer) read. One run of this tool; one result per failed rule or finding. A finding inside the
 * image is located twice: physically by its path in the image's filesystem (relative to the base
 * IMAGE_ROOT, with a line when known) and logically by its image and layer; a finding about the
 * whole image (a ci rule) by the archive file itself.
 */

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifRule {
  /** Stable id (`lowestEfficiency`, `aws-access-key`). */
  id: string;
  shortDescription: string;
  fullDescription?: string;
  helpUri?: string;
  level?: SarifLevel;
}

export interface SarifFinding {
  ruleId: string;
  level: SarifLevel;
  message: string;
  /** The archive as given on the command line. */
  archive: string;
  /** The image's label (`app:1`, or its id). */
  image: string;
  /** Absolute path inside the image, when the finding is about a file. */
  path?: string | null;
  layer?: number | null;
  line?: number | null;
  properties?: Record<string, string | number | boolean | null>;
}

export interface SarifOptions {
  toolName?: string;
  version: string;
  informationUri?: string;
  rules: SarifRule[];
  findings: SarifFinding[];
}

/** The IMAGE_ROOT base: paths in the image are relative to its root. */
const IMAGE_ROOT = 'IMAGE_ROOT';

/** A relative URI reference for a path (each segment percent-encoded, as RFC 3986 wants). */
function uriOf(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

export function sarifLog(options: SarifOptions): Record<string, unknown> {
  const ruleIndex = new Map(options.rules.map((rule, i) => [rule.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: options.toolName ?? 'image-layer-explorer',
            version: options.version,
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            rules: options.rules.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.shortDescription },
              ...(rule.fullDescription ? { fullDescription: { text: rule.fullDescription } } : {}),
              ...(rule.helpUri ? { helpUri: rule.helpUri } : {}),
              defaultConfiguration: { level: rule.level ?? 'error' },
            })),
          },
        },
        originalUriBaseIds: {
          [IMAGE_ROOT]: { uri: 'file:///', description: { text: "The root of the image's filesystem" } },
        },
        results: options.findings.map((finding) => {
          const logical = [
            {
              name: finding.image,
              kind: 'module',
              fullyQualifiedName: `${finding.archive}#${finding.image}`,
            },
            ...(finding.layer !== null && finding.layer !== undefined
              ? [
                  {
                    name: `layer ${finding.layer}`,
                    kind: 'layer',
                    fullyQualifiedName: `${finding.archive}#${finding.image}/layer ${finding.layer}`,
                  },
                ]
              : []),
          ];
          const physical = finding.path
            ? {
                artifactLocation: { uri: uriOf(finding.path), uriBaseId: IMAGE_ROOT },
                ...(finding.line ? { region: { startLine: finding.line } } : {}),
              }
            : {
                artifactLocation: {
                  uri: isAbsolute(finding.archive)
                    ? pathToFileURL(finding.archive).href
                    : uriOf(finding.archive),
                },
              };
          return {
            ruleId: finding.ruleId,
            ...(ruleIndex.has(finding.ruleId) ? { ruleIndex: ruleIndex.get(finding.ruleId) } : {}),
            level: finding.level,
            message: { text: finding.message },
            locations: [{ physicalLocation: physical, logicalLocations: logical }],
            ...(finding.properties ? { properties: finding.properties } : {}),
          };
        }),
      },
    ],
  };
}
