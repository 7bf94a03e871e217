/// The elements feedwatch reads, identified by namespace and local name.
///
/// Feeds mix vocabularies freely (an Atom link inside RSS, Dublin Core dates in RSS 1.0), so every
/// element is identified by the pair, never by prefix: `<dc:date>` and `<foo:date>` bound to the same
/// URI are the same element.
enum Element: Hashable {
    // Roots and containers
    case rss, rdf, channel, item, atomFeed, atomEntry, image, textInput, skipHours, skipDays
    // RSS (no namespace, RSS 1.0 and 0.90 namespaces, the Userland/Harvard RSS 2.0 namespaces)
    case title, link, description, guid, pubDate, author, category, enclosure, ttl, hour, day
    // Atom 1.0 and 0.3
    case atomTitle, atomLink, atomId, atomSummary, atomContent, atomPublished, atomUpdated, atomIssued,
        atomModified, atomCreated, atomAuthor, atomContributor, atomName, atomEmail, atomCategory
    // Extensions
    case contentEncoded, dcCreator, dcDate, dcSubject, dcTitle, dcDescription, dcContributor, dctermsIssued,
        dctermsCreated, dctermsModified, mediaContent, mediaThumbnail, syUpdatePeriod, syUpdateFrequency,
        xhtmlBody, xhtmlDiv, itunesAuthor, itunesSummary, itunesCategory, itunesKeywords, mediaTitle, mediaDescription
    // Non-standard body elements seen in RSS: <body>, <fullitem>, <summary>, <content> (Atom's name
    // without its namespace), CDF's <abstract>
    case body, fullitem, rssSummary, rssContent, abstract
    // HTML as a root: a web page, not a feed
    case html
    case other

    enum Namespace {
        case none, rss, rdf, atom10, atom03, content, dc, dcterms, media, sy, xhtml, itunes, other
    }

    static func namespace(_ uri: String) -> Namespace {
        switch uri {
        case "": return .none
        case "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/", "http://backend.userland.com/rss2",
            "http://blogs.law.harvard.edu/tech/rss", "http://backend.userland.com/rss", "http://purl.org/net/rss1.1#":
            return .rss
        case "http://www.w3.org/1999/02/22-rdf-syntax-ns#": return .rdf
        case "http://www.w3.org/2005/Atom": return .atom10
        case "http://purl.org/atom/ns#": return .atom03
        case "http://purl.org/rss/1.0/modules/content/": return .content
        case "http://purl.org/dc/elements/1.1/", "http://purl.org/dc/elements/1.0/": return .dc
        case "http://purl.org/dc/terms/": return .dcterms
        case "http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss", "http://tools.search.yahoo.com/mrss/":
            return .media
        case "http://purl.org/rss/1.0/modules/syndication/": return .sy
        case "http://www.w3.org/1999/xhtml": return .xhtml
        case "http://www.itunes.com/dtds/podcast-1.0.dtd", "https://www.itunes.com/dtds/podcast-1.0.dtd",
            "http://www.itunes.com/DTDs/Podcast-1.0.dtd":
            return .itunes
        default: return .other
        }
    }

    static func identify(namespace ns: Namespace, local: String) -> Element {
        switch ns {
        case .none, .rss:
            // RSS element names are matched without regard to case: <pubdate>, <TiTlE> and CDF's
            // upper-case <CHANNEL>/<ITEM> occur in the wild.
            switch local.lowercased() {
            case "rss": return .rss
            case "channel": return .channel
            case "item": return .item
            case "image": return .image
            case "textinput": return .textInput
            case "skiphours": return .skipHours
            case "skipdays": return .skipDays
            case "title": return .title
            case "link": return .link
            case "description": return .description
            case "guid": return .guid
            case "pubdate": return .pubDate
            case "author": return .author
            case "category": return .category
            case "enclosure": return .enclosure
            case "ttl": return .ttl
            case "hour": return .hour
            case "day": return .day
            case "body": return .body
            case "fullitem": return .fullitem
            case "summary": return .rssSummary
            case "content": return .rssContent
            case "abstract": return .abstract
            case "html" where ns == .none: return .html
            // Roots written without their namespace, which feedparser reads all the same.
            case "feed" where ns == .none: return .atomFeed
            case "rdf" where ns == .none: return .rdf
            default: return .other
            }
        case .rdf: return local == "RDF" ? .rdf : .other
        case .atom10, .atom03:
            switch local {
            case "feed": return .atomFeed
            case "entry": return .atomEntry
            case "title": return .atomTitle
            case "link": return .atomLink
            case "id": return .atomId
            case "summary": return .atomSummary
            case "content": return .atomContent
            case "published": return .atomPublished
            case "updated": return .atomUpdated
            case "issued": return .atomIssued
            case "modified": return .atomModified
            case "created": return .atomCreated
            case "author": return .atomAuthor
            case "contributor": return .atomContributor
            case "name": return .atomName
            case "email": return .atomEmail
            case "category": return .atomCategory
            default: return .other
            }
        case .content: return local == "encoded" ? .contentEncoded : .other
        case .dc:
            switch local {
            // dc:author is no Dublin Core element, but feeds write it for dc:creator.
            case "creator", "author": return .dcCreator
            case "date": return .dcDate
            case "subject": return .dcSubject
            case "title": return .dcTitle
            case "description": return .dcDescription
            case "contributor": return .dcContributor
            default: return .other
            }
        case .dcterms:
            switch local {
            case "issued": return .dctermsIssued
            case "created": return .dctermsCreated
            case "modified": return .dctermsModified
            default: return .other
            }
        case .media:
            switch local {
            case "content": return .mediaContent
            case "thumbnail": return .mediaThumbnail
            case "title": return .mediaTitle
            case "description": return .mediaDescription
            default: return .other
            }
        case .sy:
            switch local {
            case "updatePeriod": return .syUpdatePeriod
            case "updateFrequency": return .syUpdateFrequency
            default: return .other
            }
        case .xhtml:
            switch local {
            case "body": return .xhtmlBody
            case "div": return .xhtmlDiv
            case "html": return .html
            default: return .other
            }
        case .itunes:
            switch local {
            case "author": return .itunesAuthor
            case "summary": return .itunesSummary
            case "category": return .itunesCategory
            case "keywords": return .itunesKeywords
            default: return .other
            }
        case .other: return .other
        }
    }
}
