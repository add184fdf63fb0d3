import type { ConfigKey, TetherConfig } from './config.schema';

export interface CombinationProblem {
  key: ConfigKey;
  reason: string;
}

/** Keys that are each valid but do not make sense together. */
export function combinationProblems(c: TetherConfig): CombinationProblem[] {
  const problems: CombinationProblem[] = [];
  if ((c.crl_mode === 'soft' || c.crl_mode === 'strict') && !c.crl_url && !c.crl_path) {
    problems.push({ key: 'crl_mode', reason: `crl_mode = ${c.crl_mode} needs crl_url or crl_path (a CRL to check devices against)` });
  }
  return problems;
}

/** The CRL check in force: auto is soft when a CRL is configured, else off. */
export function effectiveCrlMode(c: Pick<TetherConfig, 'crl_mode' | 'crl_url' | 'crl_path'>): 'off' | 'soft' | 'strict' {
  if (c.crl_mode === 'auto') return c.crl_url || c.crl_path ? 'soft' : 'off';
  return c.crl_mode as 'off' | 'soft' | 'strict';
}
