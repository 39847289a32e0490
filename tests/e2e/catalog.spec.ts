import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './pages/a11y.ts';
import { CatalogPage } from './pages/catalog-page.ts';

test.describe('the catalog', () => {
  test('shows every scenario as a card with its incident, difficulty, time and domain', async ({ page, request }) => {
    const { scenarios } = (await (await request.get('/api/scenarios')).json()) as { scenarios: { id: string }[] };
    const catalog = new CatalogPage(page);
    await catalog.goto();
    await expect(catalog.cards).toHaveCount(scenarios.length);
    for (const { id } of scenarios) {
      const card = catalog.card(id);
      await expect(card.locator('.incident')).toContainText('From:');
      await expect(card.locator('.meta')).toContainText(/beginner|intermediate|advanced/);
      await expect(card.locator('.meta')).toContainText(/\d+ min/);
      // The incident's public sources open from the card, above its whole-card link.
      await card.getByText('Sources for the incident').click();
      const source = card.locator('.sources a').first();
      await expect(source).toHaveAttribute('href', /^https:\/\//);
      // A trial click fails if anything (the card's whole-card link) would take the click instead.
      await source.click({ trial: true, timeout: 3000 });
    }
    await expectNoSeriousA11yViolations(page);
  });

  test('filters by tag and by CKS domain, and keeps the filter in the address', async ({ page }) => {
    const catalog = new CatalogPage(page);
    await catalog.goto();
    const total = await catalog.cards.count();
    const tag = await catalog.tagFilter.locator('option').nth(1).getAttribute('value');
    await catalog.tagFilter.selectOption(tag!);
    const shown = await catalog.visibleCards().count();
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(total);
    for (const card of await catalog.visibleCards().all()) {
      expect((await card.getAttribute('data-tags'))!.split(' ')).toContain(tag);
    }
    expect(page.url()).toContain(`tag=${tag}`);
    await catalog.tagFilter.selectOption('');
    const domain = await catalog.domainFilter.locator('option').nth(1).getAttribute('value');
    await catalog.domainFilter.selectOption(domain!);
    for (const card of await catalog.visibleCards().all()) {
      expect((await card.getAttribute('data-domains'))!.split('|')).toContain(domain);
    }
  });

  test('loads no JavaScript file beyond its own small inline scripts', async ({ page }) => {
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(r.url());
    });
    await new CatalogPage(page).goto();
    await page.waitForLoadState('load');
    // The progress and health requests are the scripts' only traffic.
    await page.waitForTimeout(500);
    expect(scripts).toEqual([]);
  });
});

test.describe('the lessons', () => {
  test('lists every lesson and each page reads well for everyone', async ({ page }) => {
    await page.goto('/lessons/');
    await expectNoSeriousA11yViolations(page);
    const links = await page.locator('.lesson-list a').all();
    expect(links.length).toBeGreaterThanOrEqual(5);
    const hrefs = await Promise.all(links.map((l) => l.getAttribute('href')));
    for (const href of hrefs) {
      await page.goto(href!);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await expectNoSeriousA11yViolations(page);
    }
  });
});
