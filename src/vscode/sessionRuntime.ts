// What only a running session needs: the loop, the edit engine, the test runner and
// its report parsers, the agent providers. The extension loads this module on first
// use (`loadSessionRuntime`), and esbuild.mjs bundles it apart (dist/sessionRuntime.js),
// so activation reads a small bundle and a window that never starts a session never
// loads the rest.
import { exportReport, runSession } from '../loop/loop';
import { detectTestCommand } from '../node/detectTests';
import { createTestRunner } from '../node/testRunner';
import { createReadTools } from '../agents/tools/readTools';
import { createEditorAgent, createLanguageModelAgent, editorReader } from './lmAgent';
import type { LoopApi } from './loopApi';
import { agentCliIds, agentCliPins, agentCliPresets, findCli, installHint } from '../agents/clis/index';

export const sessionRuntime: LoopApi = {
  runSession,
  exportReport,
  createTestRunner,
  detectTestCommand,
  createAgent: createEditorAgent,
  createChatAgent(model, settings, root, log) {
    const reader = root ? editorReader(root, settings['context.exclude']) : undefined;
    return createLanguageModelAgent({
      log,
      selectModels: async () => [model],
      timeoutMs: settings['agent.timeoutSeconds'] * 1000,
      ...(reader ? { tools: createReadTools({ reader, include: settings['context.include'] }) } : {}),
    });
  },
  async findAgentClis(commandPath) {
    return Promise.all(
      agentCliIds.map(async (id) => {
        const pin = agentCliPins[id];
        const found = await findCli(pin, process.env, commandPath?.provider === id ? commandPath.path : undefined).catch(() => undefined);
        return {
          id,
          displayName: agentCliPresets[id]?.displayName ?? id,
          testedVersion: pin.testedVersion,
          install: installHint(pin),
          ...(found ? { path: found.path } : {}),
          ...(found?.version ? { version: found.version } : {}),
          ...(found?.notice ? { notice: found.notice } : {}),
        };
      }),
    );
  },
};
