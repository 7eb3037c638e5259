import type { ProdloopConfig } from '#domain/config/config';
import { signalRules } from '#domain/validation/signal-rule';

/** Settings the lineage execution carries in its input, so the ASL reads them with JSONPath. */
export function executionSettings(config: ProdloopConfig) {
  return {
    validationIntervalSeconds: config.validation.intervalSeconds,
    recoveredEvaluations: config.validation.recoveredEvaluations,
    maxEvaluations: config.validation.maxEvaluations,
    minPoints: 3,
    recoveryMinutes: config.validation.recoveryMinutes,
    recoveryMargin: config.validation.recoveryMargin,
    settleMinutes: config.validation.settleMinutes,
    historyMinutes: Math.round(config.validation.historyDays * 1440),
    preDeployMinutes: config.validation.preDeployMinutes,
    signals: signalRules(config),
  };
}
