// A community's name and its units' labels (楼栋-单元-房号), for tables that carry unit ids.
import { E, ask } from './api.js'

const COMMUNITY = `query($id: ID!) { community(id: $id) { ${E('NotFound', 'ValidationError')}
  ... on Community { id name district street buildings { number entrances { number units { id number } } } } } }`

const cache = new Map()

/** { name, district, street, unitLabel(id) } of a community (fetched once per page load). */
export function communityInfo(id) {
  if (!cache.has(id)) {
    cache.set(id, ask('community', COMMUNITY, { id }, 'Community').then((community) => {
      const labels = new Map()
      for (const building of community.buildings) {
        for (const entrance of building.entrances) {
          for (const unit of entrance.units) labels.set(unit.id, `${building.number}-${entrance.number}-${unit.number}`)
        }
      }
      return { ...community, unitLabel: (unitId) => (unitId ? labels.get(unitId) || '—' : '—') }
    }).catch((error) => {
      cache.delete(id)
      throw error
    }))
  }
  return cache.get(id)
}
