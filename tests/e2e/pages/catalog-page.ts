import { expect, type Locator, type Page } from '@playwright/test';

/** The home page: every scenario as a card, filters by tag and CKS domain. */
export class CatalogPage {
  readonly heading: Locator;
  readonly cards: Locator;
  readonly tagFilter: Locator;
  readonly domainFilter: Locator;
  readonly count: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.cards = page.locator('.card[data-scenario]');
    this.tagFilter = page.getByRole('combobox', { name: 'Tag' });
    this.domainFilter = page.getByRole('combobox', { name: 'CKS domain' });
    this.count = page.locator('#count');
  }

  async goto(): Promise<void> {
    await this.page.goto('/');
    await expect(this.heading).toBeVisible();
  }

  card(scenarioId: string): Locator {
    return this.page.locator(`.card[data-scenario="${scenarioId}"]`);
  }

  visibleCards(): Locator {
    return this.page.locator('.card[data-scenario]:visible');
  }

  async open(scenarioId: string): Promise<void> {
    await this.card(scenarioId).getByRole('link').click();
    await this.page.waitForURL(`**/scenarios/${scenarioId}/`);
  }
}
