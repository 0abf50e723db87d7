"""Signing up, creating an organisation and fixing a refused form, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_sign_up_create_an_organisation_and_fix_an_error(page, site, axe):
    page.goto(site + "/accounts/signup/")
    page.get_by_label(re.compile("^Adresse courriel")).fill("agente@example.org")
    page.get_by_label(re.compile("^Nom complet")).fill("Agente de milieu")
    page.get_by_label(re.compile("^Mot de passe")).fill("une phrase de passe solide")
    page.get_by_label(re.compile("^Confirmation du mot de passe")).fill("une phrase de passe solide")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    page.get_by_role("link", name="Ajouter une organisation").click()
    page.get_by_label(re.compile(r"^Nom \(français\)")).fill("Collectif Ruelle Fleurie")
    page.get_by_label(re.compile(r"^Numéro d'entreprise du Québec")).fill("123")
    page.get_by_role("button", name="Créer l'organisation").click()
    # Refused: the role is missing and the NEQ is too short; what was typed is still there.
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Nom \(français\)"))).to_have_value("Collectif Ruelle Fleurie")
    assert axe(page) == []
    page.get_by_label(re.compile("^Acteur de terrain")).check()
    page.get_by_label(re.compile(r"^Numéro d'entreprise du Québec")).fill("1143456789")
    page.get_by_role("button", name="Créer l'organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collectif Ruelle Fleurie")
    expect(page.get_by_role("link", name="Modifier le profil")).to_be_visible()
