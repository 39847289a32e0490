import { expect, type Locator, type Page } from '@playwright/test';

/** The instructor's page: the token gate, the new-workshop form, and one workshop's live roster. */
export class InstructorPage {
  readonly roster: Locator;
  readonly joinCode: Locator;

  constructor(readonly page: Page) {
    this.roster = page.getByTestId('roster');
    this.joinCode = page.getByTestId('join-code');
  }

  async signIn(token: string): Promise<void> {
    await this.page.goto('/instructor/');
    await this.page.getByLabel('Instructor token', { exact: true }).fill(token);
    await this.page.getByRole('button', { name: 'Open the instructor page' }).click();
    await expect(this.page.getByRole('heading', { name: 'New workshop' })).toBeVisible();
  }

  /** Creates a workshop over a list of scenarios; returns its join code once the room shows. */
  async create(options: { title: string; scenarios: string[]; seats: number; stuckMinutes: number }): Promise<string> {
    const form = this.page.locator('form.create-workshop');
    await form.getByLabel('Title', { exact: true }).fill(options.title);
    await form.getByLabel('A list of scenarios', { exact: true }).check();
    for (const title of options.scenarios) await form.getByLabel(title, { exact: true }).check();
    await form.getByLabel('Seats', { exact: true }).fill(String(options.seats));
    await form.getByLabel('Stuck after (minutes)', { exact: true }).fill(String(options.stuckMinutes));
    await form.getByRole('button', { name: 'Create the workshop' }).click();
    await expect(this.joinCode).toHaveText(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    return (await this.joinCode.textContent()) ?? '';
  }

  row(displayName: string): Locator {
    return this.roster.locator(`tr[data-learner="${displayName}"]`);
  }

  cell(displayName: string, column: 'checks' | 'hints' | 'solutions' | 'status'): Locator {
    return this.row(displayName).locator(`td[data-col="${column}"]`);
  }
}
