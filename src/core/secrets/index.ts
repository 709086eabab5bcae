/** Secrets in an image: published credential formats, credential files, high-entropy values, in every layer. */
export { type FileRole, fileRoleOf, looksLikeKubeconfig, type RoleMatch, roleMatches } from './fileRoles';
export {
  ALL_TEXT_RULES,
  ASSIGNMENT_RULE,
  looksLikeSecretValue,
  MIN_ENTROPY,
  shannonEntropy,
  TEXT_RULES,
  type TextRule,
} from './rules';
export {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_FINDINGS,
  redact,
  runSecretScan,
  type SecretFinding,
  type SecretReport,
  type SecretScanOptions,
  type SecretScanProgress,
  type SecretWhere,
  scanConfig,
  scanImageSecrets,
  type VisibilityModel,
  visibility,
} from './scan';
export { scanText, type TextMatch } from './textScan';
