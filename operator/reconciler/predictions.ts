// The predictor as the reconciler sees it: for one policy, the engine's forecast and risk inputs,
// the status fields (forecast, risk) and the ForecastTrusted condition that shows the backtest
// scorecard. The predictor runs in the operator process (a per-target model registry that trains
// in a worker thread and predicts on this one); nothing here throws at the reconciler, which falls
// back to reactive scaling and says why.
import type { ResiliencePolicy, ResiliencePolicyStatus } from '../../crds/index.ts';
import type {
  PredictorRegistry,
  PredictorTarget,
  ScorecardSummary,
  TargetPrediction,
} from '../../predictor/index.ts';
import { type EngineInput, replicasForForecast } from '../policy/index.ts';
import type { ConditionInput } from './policy-status.ts';

export interface PolicyPredictions {
  forecast?: NonNullable<EngineInput['forecast']>;
  risk?: NonNullable<EngineInput['risk']>;
  status: Pick<ResiliencePolicyStatus, 'forecast' | 'risk'>;
  condition: ConditionInput;
}

export interface PredictionPort {
  predict(policy: ResiliencePolicy, signal: AbortSignal): Promise<PolicyPredictions>;
  /** A policy is gone: stop training for its target. */
  forget?(policy: { namespace: string; target: string }): void;
}

export const FORECAST_CONDITION = 'ForecastTrusted';

const DEFAULT_HORIZON_MINUTES = 15;

function r(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function predictorTarget(policy: ResiliencePolicy): PredictorTarget {
  const spec = policy.spec;
  return {
    namespace: policy.metadata.namespace ?? '',
    name: spec.targetRef.name,
    slo: {
      ...(spec.slo.latencyP99Ms === undefined ? {} : { latencyP99Ms: spec.slo.latencyP99Ms }),
      ...(spec.slo.errorRatio === undefined
        ? spec.slo.availability !== undefined && spec.slo.availability < 1
          ? { errorRatio: 1 - spec.slo.availability }
          : {}
        : { errorRatio: spec.slo.errorRatio }),
    },
    horizonMinutes: spec.scaling?.predictive.horizonMinutes ?? DEFAULT_HORIZON_MINUTES,
  };
}

/** The score in words: below half the threshold Low, below it Elevated, then High and Critical. */
export function riskLevel(score: number, threshold: number): 'Low' | 'Elevated' | 'High' | 'Critical' {
  if (score < threshold / 2) return 'Low';
  if (score < threshold) return 'Elevated';
  return score < (1 + threshold) / 2 ? 'High' : 'Critical';
}

function scorecardText(s: ScorecardSummary): string {
  return (
    `backtest over ${s.points} points, ${s.scoredStep} steps ahead: NRMSE model ${r(s.nrmse.model, 3)}, ` +
    `seasonal-naive ${r(s.nrmse.seasonalNaive, 3)}, Holt-Winters ${r(s.nrmse.holtWinters, 3)}; ` +
    `pinball model ${r(s.pinball.model, 3)}, seasonal-naive ${r(s.pinball.seasonalNaive, 3)}, ` +
    `Holt-Winters ${r(s.pinball.holtWinters, 3)}; p90 coverage ${r(s.p90Coverage, 3)} (evaluated ${s.evaluatedAt})`
  );
}

/** Maps one prediction onto the engine's inputs, the status and the condition. */
export function toPolicyPredictions(
  p: TargetPrediction,
  policy: ResiliencePolicy,
  riskThreshold: number,
): PolicyPredictions {
  const out: PolicyPredictions = {
    status: {},
    condition: { type: FORECAST_CONDITION, status: 'Unknown', reason: 'NoModel', message: '' },
  };
  const f = p.forecast;
  if (f && f.points.length > 0) {
    out.forecast = {
      generatedAt: f.generatedAt,
      modelVersion: f.modelVersion.slice(0, 128),
      confidence: r(f.confidence, 3),
      points: f.points.map((pt) => ({ time: pt.time, p50: pt.p50, p90: pt.p90 })),
      scorecard: { beatsBaselines: f.scorecard.beatsBaselines, reason: f.scorecard.reason.slice(0, 512) },
    };
    const scaling = policy.spec.scaling;
    const peak = Math.max(...f.points.map((pt) => pt.p90));
    out.status.forecast = {
      generatedAt: new Date(f.generatedAt).toISOString(),
      modelVersion: f.modelVersion.slice(0, 128),
      horizonMinutes: Math.min(1440, Math.max(1, Math.round(f.horizonMinutes))),
      confidence: r(f.confidence, 3),
      ...(scaling ? { recommendedReplicas: replicasForForecast(peak, scaling.capacityPerReplica) } : {}),
      points: f.points.slice(0, 120).map((pt) => ({
        time: new Date(pt.time).toISOString(),
        requestRate: r(pt.p50, 2),
        lower: r(pt.p10, 2),
        upper: r(pt.p90, 2),
      })),
    };
  }
  if (p.risk) {
    out.risk = {
      score: p.risk.score,
      modelVersion: p.risk.modelVersion.slice(0, 128),
      evaluatedAt: p.risk.evaluatedAt,
      horizonMinutes: p.risk.horizonMinutes,
      reasons: p.risk.reasons.slice(0, 10).map((x) => x.slice(0, 256)),
    };
    out.status.risk = {
      score: r(p.risk.score, 3),
      level: riskLevel(p.risk.score, riskThreshold),
      evaluatedAt: new Date(p.risk.evaluatedAt).toISOString(),
      modelVersion: p.risk.modelVersion.slice(0, 128),
      ...(p.risk.reasons.length > 0
        ? { reasons: p.risk.reasons.slice(0, 10).map((x) => x.slice(0, 256)) }
        : {}),
    };
  }
  const notes = p.notes.length > 0 ? ` ${p.notes.join('; ')}.` : '';
  if (p.scorecard) {
    const beats = p.scorecard.beatsBaselines;
    out.condition = {
      type: FORECAST_CONDITION,
      status: beats ? 'True' : 'False',
      reason: beats ? 'ModelBeatsBaselines' : 'ShadowMode',
      message: `${beats ? 'The forecast may drive scaling' : 'Shadow mode: the forecast is recorded, not acted on'}: ${scorecardText(p.scorecard)}.${notes}`,
    };
  } else {
    out.condition.message = `No backtested forecast; scaling is reactive.${notes}`;
  }
  return out;
}

/** The registry behind the port: registers each policy's target as it is seen. */
export class RegistryPredictions implements PredictionPort {
  constructor(
    private readonly registry: PredictorRegistry,
    private readonly riskThreshold: number,
  ) {}

  async predict(policy: ResiliencePolicy, signal: AbortSignal): Promise<PolicyPredictions> {
    const p = await this.registry.predict(predictorTarget(policy), signal);
    return toPolicyPredictions(p, policy, this.riskThreshold);
  }

  forget(policy: { namespace: string; target: string }): void {
    this.registry.forget({ namespace: policy.namespace, name: policy.target });
  }
}
