import { expect, type Locator, type Page } from '@playwright/test';

/** The scenario player: steps, the workspace tabs (terminal, editor, map, checks), the session bar. */
export class PlayerPage {
  readonly startButton: Locator;
  readonly terminalRows: Locator;
  readonly terminalStatus: Locator;
  readonly checkButton: Locator;
  readonly verdict: Locator;
  readonly countdown: Locator;

  constructor(readonly page: Page) {
    this.startButton = page.getByRole('button', { name: /^(Start the scenario|Start again)$/ });
    this.terminalRows = page.locator('.xterm-rows');
    this.terminalStatus = page.locator('.terminal-status');
    this.checkButton = page.getByRole('button', { name: 'Check my fix' });
    this.verdict = page.locator('.verdict');
    this.countdown = page.locator('.countdown time');
  }

  async goto(scenarioId: string): Promise<void> {
    await this.page.goto(`/scenarios/${scenarioId}/`);
    await expect(this.page.getByRole('heading', { level: 1 })).toBeVisible();
  }

  /** Starts the session and waits for a live prompt; returns the milliseconds it took. */
  async start(): Promise<number> {
    const started = Date.now();
    await this.startButton.click();
    await this.waitForPrompt();
    return Date.now() - started;
  }

  async waitForPrompt(): Promise<void> {
    await expect(this.terminalRows).toContainText(/\$\s*$/m, { timeout: 15_000 });
  }

  tab(name: 'Terminal' | 'Editor' | 'Cluster map' | 'Checks'): Locator {
    return this.page.getByRole('tab', { name });
  }

  /** Types a command in the terminal and presses Enter. */
  async run(command: string): Promise<void> {
    await this.tab('Terminal').click();
    await this.page.locator('.xterm-helper-textarea').focus();
    await this.page.keyboard.type(command);
    await this.page.keyboard.press('Enter');
  }

  async expectTerminal(pattern: RegExp, timeout = 15_000): Promise<void> {
    await expect(this.terminalRows).toContainText(pattern, { timeout });
  }

  /**
   * Opens the editor and replaces the "new objects" file with `yaml` (through the clipboard, as a
   * learner pastes), so no object opened live from the cluster is overwritten by something else.
   */
  async edit(yaml: string): Promise<void> {
    await this.tab('Editor').click();
    const editor = this.page.locator('.monaco-editor').first();
    await expect(editor).toBeVisible({ timeout: 30_000 });
    await this.page.getByRole('combobox', { name: 'Open file' }).selectOption({ label: 'new objects' });
    await editor.click();
    await this.page.evaluate((text) => navigator.clipboard.writeText(text), yaml);
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('ControlOrMeta+V');
  }

  async apply(): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Apply', exact: true }).click();
    const outcome = this.page.locator('.apply-outcome');
    await expect(outcome.locator('.outcome-ok, .outcome-fail').first()).toBeVisible({ timeout: 15_000 });
    return outcome;
  }

  async check(): Promise<void> {
    await this.tab('Checks').click();
    await this.checkButton.click();
    await expect(this.verdict).toBeVisible({ timeout: 30_000 });
  }

  /** The element that has focus now. */
  focused(): Locator {
    return this.page.locator('*:focus');
  }

  /** True while keyboard focus is inside `selector`. */
  async focusIsIn(selector: string): Promise<boolean> {
    return this.page.evaluate((sel) => Boolean(document.activeElement?.closest(sel)), selector);
  }

  /**
   * Moves focus with the keyboard alone until `target` has it, as a keyboard user would:
   * Tab (or Shift+Tab), and Escape first where a terminal or an editor keeps Tab for itself.
   */
  async tabTo(target: Locator, { backwards = false, max = 80 } = {}): Promise<void> {
    const key = backwards ? 'Shift+Tab' : 'Tab';
    for (let i = 0; i < max; i++) {
      if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
      if ((await this.focusIsIn('.terminal')) || (await this.focusIsIn('.editor-host'))) {
        await this.page.keyboard.press('Escape');
      }
      await this.page.keyboard.press(key);
    }
    throw new Error(`focus never reached the target in ${max} presses of ${key}`);
  }

  checkItem(id: string): Locator {
    return this.page.locator(`.check[data-check="${id}"]`);
  }

  step(id: string): Locator {
    return this.page.locator(`.step[data-step="${id}"]`);
  }
}
