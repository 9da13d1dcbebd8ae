"""Program lifecycle, versions, copyright waivers and agreements: ``sobctl program|waiver|agreement``."""
