// Command line for the chart tooling, for machines without helm:
//   npx tsx charts/cli.ts render [--set fleet.enabled=true] [-f my-values.yaml] > homeostat.yaml
//   npx tsx charts/cli.ts sync-copies [--check]
import { Command } from 'commander';
import { checkChartCopies, syncChartCopies } from './chart-copies.ts';
import { CHART_DIR } from './paths.ts';
import { ChartRenderError, renderChart, renderChartNotes } from './render.ts';
import { ChartValuesError } from './values-schema.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

const program = new Command('chart')
  .description('Render and maintain the Homeostat Helm chart')
  .showHelpAfterError();

program
  .command('render')
  .description('render the chart to multi-document YAML, like `helm template --include-crds`')
  .option('--chart <dir>', 'chart directory', CHART_DIR)
  .option('--name <release>', 'release name', 'homeostat')
  .option('-n, --namespace <namespace>', 'release namespace', 'homeostat-system')
  .option('-f, --values <file>', 'values file (repeatable)', collect, [])
  .option('--set <key=value>', 'set a value (repeatable)', collect, [])
  .option('--set-string <key=value>', 'set a string value (repeatable)', collect, [])
  .option('--no-crds', "leave out the chart's CRDs")
  .option('--notes', 'print the rendered NOTES.txt instead')
  .action(async (o) => {
    const opts = {
      chartDir: o.chart,
      releaseName: o.name,
      namespace: o.namespace,
      valuesFiles: o.values,
      set: o.set,
      setString: o.setString,
      includeCrds: o.crds,
    };
    try {
      process.stdout.write(o.notes ? await renderChartNotes(opts) : (await renderChart(opts)).yaml);
    } catch (e) {
      if (!(e instanceof ChartValuesError || e instanceof ChartRenderError)) throw e;
      process.stderr.write(`Error: ${e.message}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('sync-copies')
  .description("refresh the chart's copies of crds/generated and sample-services/manifests")
  .option('--check', 'only report copies that differ; exit 1 if any')
  .action((o) => {
    if (o.check) {
      const problems = checkChartCopies();
      for (const p of problems) process.stdout.write(`${p.path}: ${p.problem}\n`);
      if (problems.length > 0) process.exitCode = 1;
      return;
    }
    for (const path of syncChartCopies()) process.stdout.write(`updated ${path}\n`);
  });

await program.parseAsync(process.argv);
