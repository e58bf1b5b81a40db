import * as vscode from 'vscode';
import { Disposable } from '../domain/dispose';
import { SETTINGS_SECTION, type Settings } from '../domain/settings';
import { registerCommand } from './commands';
import type { AgentCliStatus } from './loopApi';
import type { Log } from './log';

// Refine Loop: Choose Agent. A quick pick of where proposals come from: the model
// providers, any command, and the agent CLIs, each CLI found on PATH (or at
// refineLoop.agent.command) with its version, and the others with the line that
// installs them. The choice is the person's own (user) setting.

type Provider = Settings['agent.provider'];

interface AgentItem extends vscode.QuickPickItem {
  readonly provider?: Provider;
  readonly install?: string;
}

export interface AgentPickDeps {
  readonly log: Log;
  /** The agent CLIs and where each was found (the session runtime's discovery). */
  readonly findAgentClis: () => Promise<readonly AgentCliStatus[]>;
}

export class AgentPick extends Disposable {
  /** The quick pick while it is open (the integration tests drive it). */
  current: vscode.QuickPick<AgentItem> | undefined;

  constructor(private readonly deps: AgentPickDeps) {
    super();
    this._register(registerCommand(deps.log, 'refineLoop.chooseAgent', () => this.choose()));
  }

  private modelItems(current: Provider): AgentItem[] {
    const item = (provider: Provider, label: string, detail: string): AgentItem => ({ label, description: provider === current ? vscode.l10n.t('{0} · in use', provider) : provider, detail, provider });
    return [
      item('vscode-lm', vscode.l10n.t('VS Code chat model'), vscode.l10n.t("A model of VS Code's Language Model API, for example GitHub Copilot.")),
      item('openai-compatible', vscode.l10n.t('OpenAI-compatible server'), vscode.l10n.t('Ollama, vLLM, LM Studio, OpenAI, OpenRouter: refineLoop.agent.baseUrl.')),
      item('anthropic', vscode.l10n.t('Anthropic'), vscode.l10n.t('The Messages API, with the key you set (Set API Key).')),
      item('command', vscode.l10n.t('Command'), vscode.l10n.t('Any program: refineLoop.agent.command.')),
    ];
  }

  private cliItem(cli: AgentCliStatus, current: Provider): AgentItem {
    const inUse = cli.id === current ? vscode.l10n.t(' · in use') : '';
    if (!cli.path) {
      return { label: `$(cloud-download) ${cli.displayName}`, description: vscode.l10n.t('{0} · not installed', cli.id), detail: vscode.l10n.t('Install it with: {0}', cli.install), install: cli.install };
    }
    const version = cli.version ?? vscode.l10n.t('version unknown');
    const older = cli.notice ? vscode.l10n.t(' · older than {0}, the version tested', cli.testedVersion) : '';
    return { label: `$(terminal) ${cli.displayName}`, description: `${cli.id} · ${version}${older}${inUse}`, detail: cli.path, provider: cli.id as Provider };
  }

  async choose(): Promise<Provider | undefined> {
    const configuration = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    const current = configuration.get<Provider>('agent.provider', 'vscode-lm');
    const pick = vscode.window.createQuickPick<AgentItem>();
    this.current = pick;
    pick.title = vscode.l10n.t('Refine Loop: Choose Agent');
    pick.placeholder = vscode.l10n.t('Where proposals come from (refineLoop.agent.provider)');
    pick.matchOnDescription = true;
    pick.busy = true;
    pick.items = this.modelItems(current);
    pick.show();
    const found = this.deps.findAgentClis().then(
      (clis) => {
        pick.items = [...this.modelItems(current), { label: vscode.l10n.t('Agent CLIs'), kind: vscode.QuickPickItemKind.Separator }, ...clis.map((cli) => this.cliItem(cli, current))];
        pick.busy = false;
      },
      (error: unknown) => {
        this.deps.log.warn('agentPick', `could not look for the agent CLIs: ${String(error)}`);
        pick.busy = false;
      },
    );
    const chosen = await new Promise<AgentItem | undefined>((resolve) => {
      pick.onDidAccept(() => resolve(pick.selectedItems[0]));
      pick.onDidHide(() => resolve(undefined));
    });
    await found;
    pick.dispose();
    this.current = undefined;
    if (!chosen) return undefined;
    if (chosen.install) {
      const copy = vscode.l10n.t('Copy Install Command');
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} is not installed. Install it with: {1}', chosen.label.replace(/^\$\([^)]*\) /, ''), chosen.install), copy).then((answer) => {
        if (answer === copy) void vscode.env.clipboard.writeText(chosen.install!);
      });
      return undefined;
    }
    if (!chosen.provider) return undefined;
    // A guarded setting: the person's own level, never the workspace's.
    await configuration.update('agent.provider', chosen.provider, vscode.ConfigurationTarget.Global);
    this.deps.log.info('agentPick', `agent.provider set to ${chosen.provider}`);
    return chosen.provider;
  }
}
